"""Checking an RFC 9457 answer: the status, the problem+json media type, and its body."""
from __future__ import annotations


def problem(answer, status: int) -> dict:
    assert answer.status_code == status, answer.get_json()
    assert answer.mimetype == "application/problem+json"
    return answer.get_json()
