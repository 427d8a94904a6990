"""The reads the API answers, straight from the read models (projections/) and billing's own
tables: one module per area (invoices, payments, credit notes, statement, comments, payment
links, payment methods, gateway connections, customers' names)."""
