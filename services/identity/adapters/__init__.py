"""Ports to the outside world (SMTP via notifications, TOTP, password hashing) come here."""
