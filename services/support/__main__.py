import sys

from services.chassis.cli import main
from services.support.bootstrap import SPEC

sys.exit(main(SPEC))
