level: web2
