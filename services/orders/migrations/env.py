from services.chassis.migrate import run_env
from services.orders.tables import metadata

run_env(metadata)
