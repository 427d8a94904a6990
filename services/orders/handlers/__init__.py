"""orders's command handlers, one module per capability, each handle(rt, cmd) for a command
of domain/commands.py (orders.py, shipments.py), and the event handlers bootstrap maps
(orders.on_invoice_issued, quotes.on_quote_accepted)."""
