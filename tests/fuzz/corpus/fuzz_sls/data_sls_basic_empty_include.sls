# An empty include (a template left out every item) is no include.
include:

alone: test.nop
