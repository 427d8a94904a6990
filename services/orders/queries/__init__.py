"""orders's reads, the ones its API answers: sales orders and shipments (orders.py), on keyset
pages (services/chassis/cursors.py)."""
