"""billing's aggregates, value objects and money rules: pure Python, no I/O. commands.py holds
every command (frozen dataclasses); payment_gateway.py the port the gateway adapters implement."""
