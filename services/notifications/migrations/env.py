from services.chassis.migrate import run_env
from services.notifications.tables import metadata

run_env(metadata)
