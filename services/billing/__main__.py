import sys

from services.chassis.cli import main
from services.billing.bootstrap import SPEC

sys.exit(main(SPEC))
