"""Ports to the outside world: SMTP, webhook HTTP."""
