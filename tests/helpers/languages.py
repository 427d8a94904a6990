"""What a reader sees on a rendered page, held against the gateway's catalogues: the language
tests of the portal, the console and the public pages ask of every page in German, French and
Arabic that nothing on it is still an English message the catalogue translates.

`seen(html)` is the page's `<html>` attributes and its words (what `Sees` hands on), whitespace
folded. `english_left_over(locale)`
is the catalogue's English messages (both forms of a plural) that read differently once
translated: seen on a page of that language, they were not translated."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from html.parser import HTMLParser

from babel.messages.pofile import read_po

from gateway.web.i18n import TRANSLATIONS

SEEN_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt", "label")
AS_IS = frozenset({"code", "pre", "kbd", "samp", "script", "style"})
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
                  "wbr"})


@dataclass
class Page:
    html: dict = field(default_factory=dict)      # the <html> element's attributes (lang, dir)
    words: set = field(default_factory=set)


class Sees(HTMLParser):
    """Hands `saw` each thing a reader sees in HTML: text between tags, the attributes in
    `attributes`, a submit or button input's value; never inside code samples, scripts,
    styles or an element marked `translate="no"` (the catalogues' lint reads templates with it too)."""

    attributes = SEEN_ATTRIBUTES

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[tuple[str, bool]] = []     # (tag, left as it is)

    def saw(self, text: str) -> None:
        raise NotImplementedError

    def _as_is(self) -> bool:
        return any(as_is for _, as_is in self.open)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        as_is = tag in AS_IS or attributes.get("translate") == "no"
        if not (as_is or self._as_is()):
            for name in self.attributes:
                if attributes.get(name):
                    self.saw(attributes[name])
            if tag == "input" and attributes.get("type") in ("submit", "button") and attributes.get("value"):
                self.saw(attributes["value"])
        if tag not in VOID:
            self.open.append((tag, as_is))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.open and self.open[-1][0] == tag:
            self.open.pop()

    def handle_endtag(self, tag):
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index][0] == tag:
                del self.open[index:]
                break

    def handle_data(self, data):
        if not self._as_is():
            self.saw(data)


class _Reader(Sees):
    def __init__(self) -> None:
        super().__init__()
        self.page = Page()

    def saw(self, text: str) -> None:
        if text.strip():
            self.page.words.add(" ".join(text.split()))

    def handle_starttag(self, tag, attrs):
        if tag == "html":
            self.page.html = dict(attrs)
        super().handle_starttag(tag, attrs)


def seen(html: str) -> Page:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.page


@cache
def english_left_over(locale: str) -> frozenset[str]:
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalogue = read_po(handle, locale=locale)
    found = set()
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, (list, tuple)) else [message.id]
        strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
        found.update(" ".join(english.split()) for english in ids if all(strings) and english not in strings)
    return frozenset(found)


def english_on(html: str, locale: str) -> list[str]:
    """The words on a page of `locale` that are English the catalogue translates."""
    return sorted(seen(html).words & english_left_over(locale))
