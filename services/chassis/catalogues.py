"""A service's translation catalogues outside Flask-Babel: what a service renders for a
reader who is not on the page (a PDF downloaded through the gateway) in that reader's language.

A service keeps `<service>/translations/<locale>/LC_MESSAGES/messages.po` (the English text
is the msgid; tests/lint/catalogues.py extracts the marked messages and checks every entry is
translated). `translations(root, locale)` loads one locale's catalogue, compiled to `.mo` on
first use where that is missing or older than the `.po` (the `.mo` files are not kept in
git; where the install cannot be written, the `.po` is compiled in memory), and keeps it for
the life of the process; a locale without a catalogue (English) gives the messages back as
they are.

The gateway has its own (gateway/web/i18n.py, the same compile step); the two may be folded
together, the chassis cannot import the gateway.
"""
from __future__ import annotations

import io
import os
import tempfile
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations


def N_(message: str) -> str:
    """Marks a message for extraction where it cannot be translated yet (a module-level
    table of labels); translate it where it is used, with the reader's `gettext`."""
    return message


@lru_cache(maxsize=64)
def translations(root: Path, locale: str) -> NullTranslations:
    """The catalogue of `locale` under `root` (a `translations` folder), cached per process."""
    try:
        compile_catalogues(root)
    except OSError:             # a read-only install (the pods' root filesystem): compiled in memory
        return _from_po(Path(root) / locale / "LC_MESSAGES" / "messages.po", locale)
    return Translations.load(dirname=str(root), locales=[locale], domain="messages")


def _from_po(po: Path, locale: str) -> NullTranslations:
    if not po.is_file():
        return NullTranslations()
    with po.open("rb") as source:
        catalogue = read_po(source, locale=locale)
    compiled = io.BytesIO()
    write_mo(compiled, catalogue, use_fuzzy=False)
    compiled.seek(0)
    return Translations(fp=compiled, domain="messages")


def compile_catalogues(root: Path) -> None:
    """Each `.po` under `root` to its `.mo`, where that is missing or older. Written beside
    it through a temporary file, so processes starting together never read half a file."""
    for po in Path(root).glob("*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalogue = read_po(source, locale=po.parts[-3])
        handle, temporary = tempfile.mkstemp(dir=po.parent, suffix=".mo.tmp")
        with os.fdopen(handle, "wb") as target:
            write_mo(target, catalogue, use_fuzzy=False)
        os.replace(temporary, mo)
