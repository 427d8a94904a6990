"""notifications' own words (the mail layout's, the buttons', the unsubscribe footer's ...) in
the recipient's language: `words(locale).gettext("...")`, from the catalogues in
`translations/` (services/chassis/i18n.py). Words kept in module constants are marked with
`N_` (extracted into the catalogues, translated where they are used).

The languages mails are written in (LOCALES) are the portal's (gateway/web/i18n.py); a
recipient whose language is another reads English."""
from __future__ import annotations

from pathlib import Path

from babel.support import NullTranslations

from contracts.events.identity import PORTAL_LANGUAGES
from services.chassis import i18n
from services.chassis.i18n import N_  # noqa: F401  (the marker this service's modules use)

ROOT = Path(__file__).resolve().parent
LOCALES = PORTAL_LANGUAGES
RIGHT_TO_LEFT = frozenset({"ar"})


def mail_locale(locale: str | None) -> str:
    """The language a mail is written in: `locale`'s base language when mails are written in
    it, else English."""
    base = i18n.base_locale(locale)
    return base if base in LOCALES else "en"


def words(locale: str | None) -> NullTranslations:
    return i18n.translations(ROOT / "translations", mail_locale(locale))


def direction(locale: str | None) -> str:
    return "rtl" if mail_locale(locale) in RIGHT_TO_LEFT else "ltr"
