from services.chassis.migrate import run_env
from services.billing.projections import metadata

run_env(metadata)
