web: test.nop
---
db: test.nop
