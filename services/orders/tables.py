"""orders's MetaData, on which every table of the service is declared (Alembic's
migrations/env.py reads it). Every table orders has today is a projection's (projections/);
none is written by hand."""
from sqlalchemy import MetaData

metadata = MetaData()
