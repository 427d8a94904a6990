from services.chassis.migrate import run_env
from services.identity.credentials import metadata      # read models and private tables

run_env(metadata)
