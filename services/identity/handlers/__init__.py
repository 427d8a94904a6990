"""identity's command handlers, one module per capability; each is fn(rt, cmd) for one
command of domain/commands.py (bootstrap.COMMAND_HANDLERS lists them). audit.py, throttle.py
and sessions.py hold what several capabilities share: security events, sign-in throttling
and the writes to session rows."""
