"""Every HTML mail in the business's own look: its logo and brand colour in a header, the
body, one clear button for the mail's main link, and a footer with the org's name. One
responsive layout (a 600-pixel card that fills a phone's width), its CSS inlined with
css-inline, as mail clients ignore most <style> blocks; the media query stays in the head for
the clients that read it. The plain-text part is never touched.

`body` is HTML the templates adapter rendered (values escaped); everything else put in here
is escaped here. The CSS styles the layout's own elements only, so the body's paragraphs and
links arrive as the templates made them. The brand colour is used only when it is a #rrggbb colour (identity checks it
on save, and staff are told it must stay readable under white text).

The layout's own words (the test-mode line) are in the recipient's language (`locale`), and
the page says which language and direction it is in (`lang`, and `dir="rtl"` for Arabic), so
mail clients lay it out and read it aloud right."""
from __future__ import annotations

import re

import css_inline
from markupsafe import escape

from services.notifications.i18n import N_, direction, mail_locale, words

DEFAULT_COLOUR = "#1e3a8a"
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")

STYLE = """
body { margin: 0; padding: 0; background: #f3f4f6; font-family: -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif; color: #111827; }
.outer { background: #f3f4f6; padding: 24px 8px; }
.card { width: 100%; max-width: 600px; background: #ffffff; border-radius: 8px; border: 1px solid #e5e7eb; }
.header { padding: 20px 24px; color: #ffffff; font-size: 18px; font-weight: bold; border-radius: 8px 8px 0 0; }
.logo { max-height: 40px; max-width: 200px; vertical-align: middle; margin-right: 12px; }
.body { padding: 24px; font-size: 16px; line-height: 1.5; }
.cta { padding: 8px 0 8px 0; }
.button { display: inline-block; padding: 12px 20px; border-radius: 6px; color: #ffffff; font-weight: bold; text-decoration: none; }
.test-mode { padding: 10px 24px; background: #fef3c7; color: #78350f; font-size: 14px; border-bottom: 2px solid #f59e0b; }
.footer { padding: 16px 24px; color: #6b7280; font-size: 13px; border-top: 1px solid #e5e7eb; }
@media (max-width: 620px) { .outer { padding: 0; } .card { border-radius: 0; border: 0; } .body { padding: 16px; } }
"""

LAYOUT = """<!doctype html>
<html lang="{lang}" dir="{direction}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{subject}</title><style>{style}</style></head>
<body><table role="presentation" class="outer" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center">
<table role="presentation" class="card" cellpadding="0" cellspacing="0">
<tr><td class="header" style="background-color: {colour};">{logo}{org}</td></tr>
{test_mode}<tr><td class="body">{body}{button}</td></tr>
<tr><td class="footer">{footer}</td></tr>
</table></td></tr></table></body></html>"""

_inliner = css_inline.CSSInliner(keep_style_tags=True)


TEST_MODE = N_("Test mode: payments here are simulated and no money moves.")


def test_mode_line(locale: str | None = None) -> str:
    return words(locale).gettext(TEST_MODE)


def wrap(body: str, subject: str, org: dict, button: tuple[str, str] | None = None,
         logo_url: str | None = None, colour: str | None = None, test_mode: bool = False,
         locale: str | None = None) -> str:
    """The whole HTML part: `body` inside the org's layout, `button` (label, https link) as
    its one call to action (its label already in the recipient's language); `test_mode` puts
    the test-mode line under the header."""
    colour = colour if isinstance(colour, str) and COLOUR.match(colour) else DEFAULT_COLOUR
    logo = f'<img class="logo" src="{escape(logo_url)}" alt="" height="40">' if logo_url else ""
    action = ""
    if button and button[1].startswith(("https://", "http://")):
        label, url = button
        action = (f'<p class="cta"><a class="button" href="{escape(url)}" '
                  f'style="background-color: {colour};">{escape(label)}</a></p>')
    footer = escape(org.get("name") or "")
    if org.get("host"):
        footer += f" · {escape(org['host'])}"
    notice = f'<tr><td class="test-mode"><strong>{escape(test_mode_line(locale))}</strong></td></tr>\n' if test_mode else ""
    return _inliner.inline(LAYOUT.format(subject=escape(subject), style=STYLE, colour=colour, logo=logo,
                                         org=escape(org.get("name") or ""), body=body, button=action,
                                         footer=footer, test_mode=notice,
                                         lang=mail_locale(locale), direction=direction(locale)))
