import sys

from services.chassis.cli import main
from services.identity.bootstrap import SPEC

sys.exit(main(SPEC))
