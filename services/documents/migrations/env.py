from services.chassis.migrate import run_env
from services.documents.tables import metadata

run_env(metadata)
