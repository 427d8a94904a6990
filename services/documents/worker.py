"""Worker process: outbox relay + event consumer (`python -m services.documents worker`)."""
from services.chassis.cli import main as cli
from services.documents.bootstrap import SPEC


def main() -> int:
    return cli(SPEC, ["worker"])
