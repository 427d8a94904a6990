from services.chassis.migrate import run_env
from services.billing.bootstrap import SPEC

run_env(SPEC.metadata)
