"""A service's own words in the reader's language: gettext catalogues kept beside the service
(`<service>/translations/<locale>/LC_MESSAGES/messages.po`), as the gateway keeps its own.

Services render text without a request (a mail composed in an event handler, a PDF asked for
through the gateway), so there is no Flask-Babel here: `translations(folder, locale)` hands
back babel's Translations for one locale, loaded once per process. A `.po` is compiled to its
`.mo` on first use when the `.mo` is missing or older (the `.mo` files are not kept in git),
the same way the gateway does on start; where the install cannot be written (a read-only
root filesystem), it is compiled in memory. An unknown locale, or one without a catalogue,
reads English (the msgids). tests/lint/catalogues.py extracts what the sources mark and
checks that every catalogue translates all of it."""
from __future__ import annotations

import io
import os
import tempfile
import threading
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

_compiling = threading.Lock()


def N_(message: str) -> str:
    """Marks a message for extraction where it cannot be translated yet (a module-level table
    of labels); translate it where it is used, with the reader's `gettext`."""
    return message


def base_locale(locale: str | None) -> str:
    """"de-AT" -> "de"; None or "" -> "en"."""
    return (locale or "en").replace("_", "-").split("-")[0].lower() or "en"


def translations(folder: Path, locale: str | None) -> NullTranslations:
    """The catalogue of `locale` (its base language) in `folder` (a service's `translations`)."""
    return _load(Path(folder), base_locale(locale))


@lru_cache(maxsize=64)
def _load(folder: Path, locale: str) -> NullTranslations:
    po = folder / locale / "LC_MESSAGES" / "messages.po"
    if locale == "en" or not po.is_file():
        return NullTranslations()
    with _compiling:
        try:
            compile_catalogue(po)
        except OSError:
            return _in_memory(po, locale)
    with po.with_suffix(".mo").open("rb") as handle:
        return Translations(handle, domain="messages")


translations.cache_clear = _load.cache_clear          # tests: catalogues written meanwhile


def _in_memory(po: Path, locale: str) -> NullTranslations:
    with po.open("rb") as source:
        catalogue = read_po(source, locale=locale)
    compiled = io.BytesIO()
    write_mo(compiled, catalogue, use_fuzzy=False)
    compiled.seek(0)
    return Translations(fp=compiled, domain="messages")


def compile_catalogues(folder: Path) -> None:
    for po in Path(folder).glob("*/LC_MESSAGES/*.po"):
        compile_catalogue(po)


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
