"""identity's ports to the outside: password hashing, TOTP, the notifications service."""
