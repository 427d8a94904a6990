"""Which step of a reminder schedule an invoice is due for on a day (domain/reminders.py)."""
from __future__ import annotations

from datetime import date

import pytest

from services.billing.domain.reminders import check_steps, step_due
from services.chassis.errors import DomainError

DUE = date(2026, 12, 20)
ISSUED = date(2026, 12, 1)
STEPS = [-3, 0, 7, 14]


@pytest.mark.parametrize("today, step", [
    (date(2026, 12, 16), None), (date(2026, 12, 17), -3), (date(2026, 12, 19), -3), (date(2026, 12, 20), 0),
    (date(2026, 12, 23), 0), (date(2026, 12, 24), None), (date(2026, 12, 27), 7), (date(2027, 1, 3), 14),
    (date(2027, 1, 6), 14), (date(2027, 1, 7), None)])
def test_the_latest_step_whose_day_came_within_the_catch_up_window(today, step):
    assert step_due(DUE, ISSUED, STEPS, today) == step


def test_no_step_from_before_the_invoice_was_issued():
    assert step_due(DUE, date(2026, 12, 19), STEPS, date(2026, 12, 19)) is None     # -3 fell on the 17th
    assert step_due(DUE, date(2026, 12, 19), STEPS, date(2026, 12, 20)) == 0


def test_steps_are_checked():
    assert check_steps([7, -3, 0]) == [-3, 0, 7]
    assert check_steps([0, 0]) == [0]
    for bad in ([], [5], ["0"], [True]):
        with pytest.raises(DomainError):
            check_steps(bad)
