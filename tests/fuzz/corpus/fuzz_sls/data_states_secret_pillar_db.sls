db:
  user: app
  password: correct-horse-battery-staple
