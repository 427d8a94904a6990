"""Worker process: outbox relay + event consumer (`python -m services.identity worker`)."""
from services.chassis.cli import main as cli
from services.identity.bootstrap import SPEC


def main() -> int:
    return cli(SPEC, ["worker"])
