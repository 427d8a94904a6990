"""Worker process: outbox relay + event consumer (`python -m services.orders worker`)."""
from services.chassis.cli import main as cli
from services.orders.bootstrap import SPEC


def main() -> int:
    return cli(SPEC, ["worker"])
