"""identity's ports to the outside: password hashing, TOTP, common passwords, and the
notifications service (its e-mail API, fed from the mail outbox)."""
