"""The HTML mail's layout (adapters/mail_layout.py): the org's colour only when it is a
colour, everything put in escaped, a button only for a web link."""
from __future__ import annotations

from services.notifications.adapters.mail_layout import DEFAULT_COLOUR, wrap


def test_the_colour_is_used_only_when_it_is_a_colour():
    assert "background-color: #0f766e" in wrap("<p>x</p>", "S", {"name": "Acme"}, colour="#0f766e")
    odd = wrap("<p>x</p>", "S", {"name": "Acme"}, colour="red;} body {display:none")
    assert "display:none" not in odd and f"background-color: {DEFAULT_COLOUR}" in odd


def test_what_is_put_in_is_escaped_and_the_body_kept():
    html = wrap("<p>Hello <b>you</b></p>", "<script>", {"name": "A&B <Ltd>", "host": "portal.ab.test"},
                ("Pay <now>", "https://portal.ab.test/invoices/1"), logo_url='https://x/l"onerror="x')
    assert "<p>Hello <b>you</b></p>" in html and "<script>" not in html
    assert "A&amp;B &lt;Ltd&gt;" in html and "Pay &lt;now&gt;</a>" in html
    assert 'onerror="x' not in html and "portal.ab.test" in html


def test_no_button_for_a_link_that_is_not_a_web_link():
    assert 'class="button"' not in wrap("<p>x</p>", "S", {"name": "A"}, ("Open", "javascript:alert(1)"))
    assert 'class="button"' not in wrap("<p>x</p>", "S", {"name": "A"}, None)
