"""support's handlers, one module per capability: every command handler is fn(rt, cmd) for
a command of domain/commands.py (bootstrap.COMMAND_HANDLERS maps them), and the event
(policy) handlers (bootstrap.EVENT_HANDLERS)."""
