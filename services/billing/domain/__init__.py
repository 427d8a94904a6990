"""billing's aggregates and money rules: pure Python, no I/O (money.py, invoice.py, commands.py)."""
