"""documents's command handlers, one module per capability, each handle(rt, cmd) for a
command of domain/commands.py; event (policy) handlers too. bootstrap maps them
(COMMAND_HANDLERS, EVENT_HANDLERS). None yet: the documents issue adds them."""
