web:
