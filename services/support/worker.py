"""Worker process: outbox relay + event consumer (`python -m services.support worker`)."""
from services.chassis.cli import main as cli
from services.support.bootstrap import SPEC


def main() -> int:
    return cli(SPEC, ["worker"])
