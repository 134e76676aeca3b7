# luks.formatted on the image the test names in pillar, with a cheap PBKDF
formatted:
  luks.formatted:
    - name: {{ pillar.luks.device }}
    - passphrase: {{ pillar.luks.passphrase }}
    - pbkdf: pbkdf2
    - pbkdf_iterations: 1000
