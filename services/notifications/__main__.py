import sys

from services.chassis.cli import main
from services.notifications.bootstrap import SPEC

sys.exit(main(SPEC))
