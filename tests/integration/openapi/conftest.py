"""Prints what schemathesis tried, one line per document, at the end of the run."""
from __future__ import annotations

from tests.integration.openapi.harness import TALLY


def pytest_terminal_summary(terminalreporter):
    if not TALLY:
        return
    docs = sorted({key.rsplit(" ", 1)[0] for key in TALLY})
    parts = [f"{doc} {TALLY[f'{doc} operations']} operations / {TALLY[f'{doc} cases']} cases"
             f" ({TALLY[f'{doc} 2xx']} answered 2xx)" for doc in docs]
    terminalreporter.write_line("schemathesis: " + "; ".join(parts))
