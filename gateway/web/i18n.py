"""Every page in the reader's language: the locale chosen per request, the catalogues, and
the direction of the page.

The locale is the signed-in person's own choice (their profile's language), else the best of
what their browser asks for (Accept-Language), else the org's default language (its
`default_language` setting), else English. Only languages with a complete catalogue are
offered (LOCALES); `make lint` (tests/lint/catalogues.py) fails on a template string that is
not marked for translation and on a catalogue with a missing entry.

Catalogues are `gateway/translations/<locale>/LC_MESSAGES/messages.po`, compiled to `.mo`
on start when missing or older than their `.po` (the `.mo` files are not kept in git; the
image compiles them when it is built, deploy/Dockerfile).
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, g, has_request_context, request
from flask_babel import Babel, get_locale

from contracts.events.identity import PORTAL_LANGUAGES

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"
NAMES = {"en": "English", "de": "Deutsch", "fr": "Français", "ar": "العربية"}   # each in its own words
LOCALES = {code: NAMES[code] for code in PORTAL_LANGUAGES}
RIGHT_TO_LEFT = frozenset({"ar"})


def init_i18n(app: Flask) -> None:
    Babel(app, locale_selector=select_locale, default_translation_directories=str(compiled(TRANSLATIONS)))
    app.jinja_env.policies["ext.i18n.trimmed"] = True      # {% trans %} blocks: whitespace folded
    app.context_processor(lambda: {"locale": locale_code(), "text_direction": text_direction()})


def select_locale() -> str:
    """Reads only what the request already loaded (never asks a service: an error page must
    render while identity is down)."""
    chosen = ((g.get("session_view") or {}).get("principal") or {}).get("language")
    if chosen in LOCALES:
        return chosen
    asked = request.accept_languages.best_match(LOCALES) if has_request_context() else None
    if asked:
        return asked
    settings = (g.get("org") or {}).get("settings") or {}
    default = settings.get("default_language")
    return default if default in LOCALES else "en"


def locale_code() -> str:
    """The page's language as a code ("de"), for `lang`, Babel's formats and service calls."""
    return str(get_locale() or "en")


def text_direction() -> str:
    return "rtl" if locale_code() in RIGHT_TO_LEFT else "ltr"


def compiled(root: Path) -> Path:
    """Where the compiled catalogues are: beside the `.po` files, or, where the install cannot
    be written (a read-only root filesystem whose image was built without them), in a folder
    of this process's own."""
    try:
        compile_catalogues(root)
        return root
    except OSError:
        copy = Path(tempfile.mkdtemp(prefix="portal-translations-"))
        shutil.copytree(root, copy, dirs_exist_ok=True)
        compile_catalogues(copy)
        return copy


def compile_catalogues(root: Path) -> None:
    """Each `.po` under `root` to its `.mo`, where that is missing or older. Written beside
    it through a temporary file, so processes starting together never read half a file."""
    for po in root.glob("*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalogue = read_po(source, locale=po.parts[-3])
        handle, temporary = tempfile.mkstemp(dir=po.parent, suffix=".mo.tmp")
        with os.fdopen(handle, "wb") as target:
            write_mo(target, catalogue, use_fuzzy=False)
        os.replace(temporary, mo)
