"""Worker process: outbox relay + event consumer (`python -m services.billing worker`)."""
from services.chassis.cli import main as cli
from services.billing.bootstrap import SPEC


def main() -> int:
    return cli(SPEC, ["worker"])
