from services.chassis.migrate import run_env
from services.identity.bootstrap import SPEC      # its metadata: read models and private tables

run_env(SPEC.metadata)
