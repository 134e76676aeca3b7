# The product's default PBKDF, argon2id, at a fixed small cost
formatted:
  luks.formatted:
    - name: {{ pillar.luks.device }}
    - passphrase: {{ pillar.luks.passphrase }}
    - pbkdf_iterations: 4
    - pbkdf_memory: 8192
    - pbkdf_parallel: 1
    - label: argon
