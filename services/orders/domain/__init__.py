"""orders's aggregates and rules: pure Python, no I/O. SalesOrder (sales_order.py), Shipment
(shipment.py), order lines and their amounts (lines.py), and the commands (commands.py)."""
