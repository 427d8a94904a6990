"""notifications' handlers, one module per capability: every command handler is fn(rt, cmd)
for a command of domain/commands.py (bootstrap.COMMAND_HANDLERS maps them); the event
(policy) handlers fn(event, uow), run in the order bootstrap.EVENT_HANDLERS writes down;
and the worker's loops (mail_delivery.send_emails, webhook_delivery.deliver_webhooks,
staff_mail.send_digests)."""
