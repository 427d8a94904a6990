"""The 30,000 most used passwords (from the zxcvbn project's lists)."""
from functools import lru_cache


@lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS
    return frozenset(FREQUENCY_LISTS["passwords"])


def is_common(lowered_password: str) -> bool:
    return lowered_password in _common()
