"""Template rendering in Jinja2's sandbox: staff-written templates cannot reach
Python internals. HTML bodies autoescape every value; text bodies do not."""
from __future__ import annotations

from jinja2 import StrictUndefined, TemplateError, meta
from jinja2.sandbox import ImmutableSandboxedEnvironment

from services.chassis.errors import DomainError

_text = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
_html = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=True)


def names_used(*sources: str | None, field: str = "template") -> set[str]:
    """The top-level names a template refers to; a syntax error is the staff's to fix
    (`field`: the part it is reported at)."""
    names: set[str] = set()
    for source in sources:
        if not source:
            continue
        try:
            names |= meta.find_undeclared_variables(_text.parse(source))
        except TemplateError as exc:
            raise DomainError(f"The template does not parse: {exc}", field=field) from None
    return names


def render(source: str, context: dict, html: bool = False, field: str = "template") -> str:
    try:
        return (_html if html else _text).from_string(source).render(**context)
    except TemplateError as exc:
        raise DomainError(f"The template cannot be filled in: {exc}", field=field) from None


def html_from_text(text: str) -> str:
    """The HTML part when a template has none: the text, escaped, in paragraphs."""
    from markupsafe import escape
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    return "".join(f"<p>{escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)
