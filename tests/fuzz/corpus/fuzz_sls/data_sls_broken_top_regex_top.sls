base:
  "web(":
    - match: pcre
    - web
