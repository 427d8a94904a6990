from services.chassis.migrate import run_env
from services.identity.projections import metadata

run_env(metadata)
