"""Template rendering in Jinja2's sandbox: staff-written templates cannot reach
Python internals. HTML bodies autoescape every value; text bodies do not.

**Bounded.** Templates render in the notifications consumer, for every business at once,
so one business's template must not be able to take its time or memory: a template may
use placeholders (`{{ recipient.name }}`), conditions (`{% if %}`), joining with `~` and a
few filters, and nothing that repeats or multiplies (no loops, no ranges, no arithmetic,
no calls). Rendering is then linear in the template's size; the template is at most
MAX_SOURCE characters and what it renders at most MAX_OUTPUT."""
from __future__ import annotations

import re
from collections.abc import Iterable

from jinja2 import StrictUndefined, TemplateError, meta, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import escape

from services.chassis.errors import DomainError

MAX_SOURCE = 20_000
MAX_OUTPUT = 100_000
FILTERS = {"upper", "lower", "title", "capitalize", "trim", "default", "d", "e", "escape"}
ALLOWED = (nodes.Template, nodes.Output, nodes.TemplateData, nodes.Name, nodes.Getattr, nodes.Const,
           nodes.If, nodes.Not, nodes.And, nodes.Or, nodes.Compare, nodes.Operand, nodes.Concat,
           nodes.Filter, nodes.CondExpr)
WHAT_IS_ALLOWED = ("A template may use placeholders like {{ recipient.name }}, conditions ({% if %}) and the "
                   f"filters {', '.join(sorted(FILTERS - {'d', 'e'}))}; not loops, arithmetic or calls.")

_text = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
_html = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=True)


def names_used(*sources: str | None, field: str = "template") -> set[str]:
    """The top-level names a template refers to; a syntax error, or a construct outside the
    bounded language, is the staff's to fix (`field`: the part it is reported at)."""
    names: set[str] = set()
    for source in sources:
        if source:
            names |= meta.find_undeclared_variables(_checked(source, field))
    return names


def _checked(source: str, field: str) -> nodes.Template:
    if len(source) > MAX_SOURCE:
        raise DomainError(f"A template is at most {MAX_SOURCE:,} characters.", field=field)
    try:
        tree = _text.parse(source)
    except TemplateError as exc:
        raise DomainError(f"The template does not parse: {exc}", field=field) from None
    for node in tree.find_all(nodes.Node):
        if not isinstance(node, ALLOWED) or (isinstance(node, nodes.Filter) and node.name not in FILTERS) \
                or (isinstance(node, nodes.Getattr) and node.attr.startswith("_")):
            raise DomainError(WHAT_IS_ALLOWED, field=field)
    return tree


def render(source: str, context: dict, html: bool = False, field: str = "template") -> str:
    """Checked again here: a template stored before a rule existed is held to it too."""
    _checked(source, field)
    try:
        out = (_html if html else _text).from_string(source).render(**context)
    except TemplateError as exc:
        raise DomainError(f"The template cannot be filled in: {exc}", field=field) from None
    if len(out) > MAX_OUTPUT:
        raise DomainError(f"The filled-in template is longer than {MAX_OUTPUT:,} characters.", field=field)
    return out


def html_from_text(text: str, links: Iterable[str] = ()) -> str:
    """The HTML part when a template has none: the text, escaped, in paragraphs. Where it shows
    one of `links` (the portal's own links the mail was filled in with, http or https), that
    is a link; nothing else becomes one, so an address someone typed into a message stays text."""
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    # str() first: Markup's own replace would escape the <br> too
    html = "".join(f"<p>{str(escape(p.strip(chr(10)))).replace(chr(10), '<br>')}</p>" for p in paragraphs)
    shown = sorted({str(escape(link)) for link in links if link.startswith(("https://", "http://"))},
                   key=len, reverse=True)             # the longest first: one link may start another
    if not shown:
        return html
    # a link ends where the text's address ends: .../documents/1 is not the start of .../documents/12
    found = re.compile("(?:" + "|".join(map(re.escape, shown)) + r")(?![\w/?#=%~+-])")
    return found.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', html)
