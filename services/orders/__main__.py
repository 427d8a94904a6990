import sys

from services.chassis.cli import main
from services.orders.bootstrap import SPEC

sys.exit(main(SPEC))
