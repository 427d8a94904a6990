from services.chassis.migrate import run_env
from services.support.projections import metadata

run_env(metadata)
