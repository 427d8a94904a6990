from services.chassis.migrate import run_env
from services.orders.projections import metadata

run_env(metadata)
