"""The translation catalogues' lint (`make lint`): `python -m tests.lint.catalogues [--update]`.

It fails on
- a template string a reader sees that is not marked for translation: text between tags,
  and the `placeholder`, `title`, `aria-label`, `alt` and `label` attributes, outside
  `{% trans %}` blocks and `{{ _(...) }}` (an element with the standard `translate="no"`,
  and `<code>`, `<pre>`, `<kbd>`, `<script>`, `<style>`, are left as they are);
- a catalogue (`<root>/translations/<locale>/LC_MESSAGES/messages.po`) without a
  translation of every message its sources mark, with a fuzzy one, or with one whose
  placeholders (`%(name)s`) differ from the English.

Roots are the gateway and each service that keeps `translations/`. `--update` adds the new
messages to every catalogue (untranslated, so the check fails until they are translated) and
drops the ones no source uses any more. `--todo` prints what is left to translate as JSON
({msgid: {locale: ""}}; a plural's value is a list of its forms), and `--fill FILE` writes such a
file's translations into the catalogues (where an entry is untranslated or fuzzy; a
translation there is never overwritten).
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po, write_po
from jinja2 import Environment

from tests.helpers.languages import Sees

REPO = Path(__file__).resolve().parents[2]
KEYWORDS = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "_l": None, "lazy_ngettext": (1, 2)}
JINJA = "jinja2.ext:babel_extract"
METHODS = [("**/templates/**.html", JINJA), ("**/templates/**.txt", JINJA), ("**.py", "python")]
OPTIONS = {"**/templates/**.html": {"trimmed": "true"}, "**/templates/**.txt": {"trimmed": "true"}}
WORD = re.compile(r"[^\W\d_]{2,}")
# Names that read the same in every language (brands, standards, units, sample identifiers).
NOT_WORDS = frozenset({
    "PayPal", "Stripe", "PDF", "CSV", "IBAN", "BIC", "SWIFT", "URL", "API", "UTC", "MFA", "TOTP",
    "SEPA", "ACH", "HTTPS", "HTTP", "JSON", "ID", "OK", "ERP", "VAT", "PNG", "JPEG", "SVG", "KB",
    "MB", "GB", "DNS", "TXT", "CNAME", "SMTP", "ISO", "EUR", "USD", "GBP", "HMAC", "SHA",
})
SKIPPED_DIRS = ("tests", "migrations", "translations", "static")


def roots() -> list[Path]:
    return [path.parent for path in sorted([REPO / "gateway" / "translations",
                                            *(REPO / "services").glob("*/translations")]) if path.is_dir()]


def marked(root: Path) -> Catalog:
    """Every message the sources under `root` mark, as one catalogue (msgid → where)."""
    catalogue = Catalog()
    for filename, line, message, comments, context in extract_from_dir(
            root, METHODS, OPTIONS, KEYWORDS, strip_comment_tags=True,
            directory_filter=lambda path: Path(path).name not in SKIPPED_DIRS and "__pycache__" not in path):
        catalogue.add(message, None, [(f"{root.name}/{filename}", line)], auto_comments=comments,
                      context=context)
    return catalogue


def catalogues(root: Path) -> dict[str, Path]:
    return {po.parts[-3]: po for po in sorted((root / "translations").glob("*/LC_MESSAGES/messages.po"))}


def missing(root: Path) -> list[str]:
    """What each of `root`'s catalogues lacks, in words (empty: complete)."""
    problems, wanted = [], marked(root)
    for locale, po in catalogues(root).items():
        catalogue = _load(po, locale)
        for message in wanted:
            if not message.id:
                continue
            have = catalogue.get(message.id, context=message.context)
            where = ", ".join(f"{file}:{line}" for file, line in message.locations[:2])
            if have is None:
                problems.append(f"{po.relative_to(REPO)}: no entry for {message.id!r} ({where})")
            elif have.fuzzy:
                problems.append(f"{po.relative_to(REPO)}: fuzzy {message.id!r}")
            elif not all(have.string) if isinstance(have.string, (list, tuple)) else not have.string:
                problems.append(f"{po.relative_to(REPO)}: untranslated {message.id!r} ({where})")
        for message, errors in catalogue.check():
            problems.extend(f"{po.relative_to(REPO)}: {message.id!r}: {error}" for error in errors)
    return problems


def update(root: Path) -> None:
    wanted = marked(root)
    for locale, po in catalogues(root).items():
        catalogue = _load(po, locale)
        catalogue.update(wanted, no_fuzzy_matching=True)
        catalogue.obsolete.clear()
        _save(po, catalogue)


class _Seen(Sees):
    """What a reader sees in a template's text with its Jinja parts blanked out, with where."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[int, str]] = []

    def saw(self, text: str) -> None:
        words = [word for word in WORD.findall(text.replace("\x00", " ")) if word not in NOT_WORDS]
        if words:
            self.found.append((self.getpos()[0], " ".join(text.replace("\x00", "…").split())[:80]))


def unmarked(path: Path, environment: Environment) -> list[str]:
    """The strings of one template a reader sees that are not marked for translation."""
    skeleton, in_trans, block = [], False, []
    for _, kind, value in environment.lex(path.read_text(encoding="utf-8")):
        if kind in ("block_begin", "name", "block_end") and (block or kind == "block_begin"):
            block.append(value)
            if kind == "block_end":
                name = block[1] if len(block) > 1 else ""
                in_trans = name in ("trans", "pluralize") or (in_trans and name not in ("endtrans",))
                block = []
        elif block and kind != "whitespace":     # {% trans x=1 %}: block[1] is the tag's name
            block.append(value)
        if kind == "data" and not in_trans:
            skeleton.append(value)
        else:
            skeleton.append("\x00" + "\n" * value.count("\n"))
    seen = _Seen()
    seen.feed("".join(skeleton))
    seen.close()
    return [f"{path.relative_to(REPO)}:{line}: not marked for translation: {text!r}" for line, text in seen.found]


def templates(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("templates/**/*.html") if "tests" not in path.parts)


def check() -> list[str]:
    environment = Environment(extensions=["jinja2.ext.i18n"])
    problems = []
    for root in roots():
        for template in templates(root):
            problems.extend(unmarked(template, environment))
        problems.extend(missing(root))
    return problems


def _load(po: Path, locale: str) -> Catalog:
    with po.open("rb") as handle:
        return read_po(handle, locale=locale)


def _save(po: Path, catalogue: Catalog) -> None:
    with po.open("wb") as handle:
        write_po(handle, catalogue, width=100, no_location=True, sort_output=True, include_previous=False)


def todo() -> dict:
    """Untranslated or fuzzy entries of every catalogue: {msgid: {locale: "" or [forms]}}."""
    left: dict = {}
    for root in roots():
        for locale, po in catalogues(root).items():
            catalogue = _load(po, locale)
            for message in catalogue:
                if not message.id:
                    continue
                plural = isinstance(message.id, (list, tuple))
                strings = message.string if plural else [message.string]
                if message.fuzzy or not all(strings):
                    key = message.id[0] if plural else message.id
                    left.setdefault(key, {})[locale] = [""] * catalogue.num_plurals if plural else ""
    return left


def fill(path: Path) -> None:
    wanted = json.loads(path.read_text(encoding="utf-8"))
    for root in roots():
        for locale, po in catalogues(root).items():
            catalogue = _load(po, locale)
            for message in catalogue:
                key = message.id[0] if isinstance(message.id, (list, tuple)) else message.id
                string = (wanted.get(key) or {}).get(locale)
                strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
                if string and (message.fuzzy or not all(strings)):      # never over a translation
                    message.string = tuple(string) if isinstance(message.id, (list, tuple)) else string
                    message.flags.discard("fuzzy")
            _save(po, catalogue)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.lint.catalogues", description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="add new messages, drop unused ones, then check")
    parser.add_argument("--todo", action="store_true", help="print what is left to translate, as JSON")
    parser.add_argument("--fill", type=Path, help="write a JSON file's translations into the catalogues")
    options = parser.parse_args(argv)
    if options.todo:
        print(json.dumps(todo(), ensure_ascii=False, indent=1))
        return 0
    if options.fill:
        fill(options.fill)
    if options.update:
        for root in roots():
            update(root)
    problems = check()
    for problem in problems:
        print(problem)
    print(f"catalogues: {len(problems)} problem(s)" if problems else "catalogues: complete, every template string marked")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
