from services.chassis.migrate import run_env
from services.notifications.projections import metadata

run_env(metadata)
