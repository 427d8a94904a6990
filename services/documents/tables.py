"""documents's MetaData, on which every table of the service is declared (Alembic's
migrations/env.py reads it), and every table that is not a projection's (none yet)."""
from sqlalchemy import MetaData

metadata = MetaData()
