"""billing's command handlers, one module per capability: each takes the runtime and a
command (domain/commands.py), loads what it changes, calls the domain, and appends its events
or writes its tables in one transaction; gateway calls happen outside any transaction
(STYLE.md 6). bootstrap.COMMAND_HANDLERS maps every command to its handler here."""
