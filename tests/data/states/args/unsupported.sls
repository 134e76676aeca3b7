# Salt arguments brine does not implement are named in the error
x:
  test.nop:
    - prereq:
      - y
