from services.chassis.migrate import run_env
from services.documents.projections import metadata

run_env(metadata)
