"""A service's own words in the reader's language: gettext catalogues kept beside the service
(`<service>/translations/<locale>/LC_MESSAGES/messages.po`), as the gateway keeps its own.

Services render text without a request (a mail is composed in an event handler), so there is
no Flask-Babel here: `translations(root, locale)` hands back babel's Translations for one
locale, loaded once per process. A `.po` is compiled to its `.mo` on first use when the `.mo`
is missing or older (the `.mo` files are not kept in git), the same way the gateway does on
start. An unknown locale, or one without a catalogue, reads English (the msgids)."""
from __future__ import annotations

import os
import tempfile
import threading
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

_compiling = threading.Lock()


def base_locale(locale: str | None) -> str:
    """"de-AT" -> "de"; None or "" -> "en"."""
    return (locale or "en").replace("_", "-").split("-")[0].lower() or "en"


def translations(root: Path, locale: str | None) -> NullTranslations:
    """The catalogue of `locale` (its base language) under `root/translations`."""
    return _load(Path(root), base_locale(locale))


@lru_cache(maxsize=64)
def _load(root: Path, locale: str) -> NullTranslations:
    po = root / "translations" / locale / "LC_MESSAGES" / "messages.po"
    if locale == "en" or not po.exists():
        return NullTranslations()
    with _compiling:
        compile_catalogue(po)
    with po.with_suffix(".mo").open("rb") as handle:
        return Translations(handle, domain="messages")


def compile_catalogue(po: Path) -> None:
    """`po` to its `.mo` where that is missing or older; written through a temporary file, so
    processes starting together never read half a file."""
    mo = po.with_suffix(".mo")
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        return
    with po.open("rb") as source:
        catalogue = read_po(source, locale=po.parts[-3])
    handle, temporary = tempfile.mkstemp(dir=po.parent, suffix=".mo.tmp")
    with os.fdopen(handle, "wb") as target:
        write_mo(target, catalogue, use_fuzzy=False)
    os.replace(temporary, mo)
