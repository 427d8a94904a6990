"""Worker process: outbox relay + event consumer (`python -m services.notifications worker`)."""
from services.chassis.cli import main as cli
from services.notifications.bootstrap import SPEC


def main() -> int:
    return cli(SPEC, ["worker"])
