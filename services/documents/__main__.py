import sys

from services.chassis.cli import main
from services.documents.bootstrap import SPEC

sys.exit(main(SPEC))
