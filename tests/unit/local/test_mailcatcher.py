"""The local mail catcher (deploy/local/mailcatcher.py), run for real as a subprocess:
it keeps what is sent over SMTP, shows it, and never lets mail HTML into the page unescaped."""
from __future__ import annotations

import http.client
import json
import os
import signal
import smtplib
import socket
import subprocess
import sys
import time
from email.message import EmailMessage
from html import escape
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[3] / "deploy" / "local" / "mailcatcher.py"
EVIL = "<script>alert(1)</script>"
CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-src 'self'"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port: int, proc: subprocess.Popen, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"mail catcher exited early with {proc.returncode}: {proc.stderr.read()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    pytest.fail(f"nothing listening on 127.0.0.1:{port} after {timeout}s")


class Catcher:
    def __init__(self, proc, smtp_port, http_port, folder):
        self.proc, self.smtp_port, self.http_port, self.folder = proc, smtp_port, http_port, folder

    def request(self, method: str, path: str, host: str | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=5)
        try:
            conn.putrequest(method, path, skip_host=host is not None)
            if host is not None:
                conn.putheader("Host", host)
            conn.endheaders()
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read().decode()
        finally:
            conn.close()

    def api(self) -> list[dict]:
        status, _, body = self.request("GET", "/api/messages")
        assert status == 200
        return json.loads(body)

    def send(self, subject: str = f"Reset {EVIL}", to: str = "buyer@acme.example") -> None:
        msg = EmailMessage()
        msg["From"] = "Portal <no-reply@portal.example>"
        msg["To"] = to
        msg["Subject"] = subject
        msg.set_content("Your code is 424242.\n")
        msg.add_alternative(f"<html><body><p class=\"x\">Your code is <b>424242</b>{EVIL}</p></body></html>",
                            subtype="html")
        with smtplib.SMTP("127.0.0.1", self.smtp_port, timeout=5) as smtp:
            refused = smtp.send_message(msg)
        assert refused == {}


@pytest.fixture
def catcher(tmp_path):
    smtp_port, http_port = free_port(), free_port()
    folder = tmp_path / "mail"
    # ports from the environment, the folder from a flag: both ways of configuring it are used
    env = dict(os.environ, MAILCATCHER_SMTP_PORT=str(smtp_port), MAILCATCHER_HTTP_PORT=str(http_port),
               MAILCATCHER_DIR=str(tmp_path / "not-this-one"))
    proc = subprocess.Popen([sys.executable, str(SCRIPT), "--dir", str(folder)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_listening(smtp_port, proc)
        wait_listening(http_port, proc)
        yield Catcher(proc, smtp_port, http_port, folder)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=10)


def test_a_mail_sent_over_smtp_is_kept_as_an_eml_file(catcher):
    catcher.send()
    files = list(catcher.folder.glob("*.eml"))
    assert len(files) == 1
    raw = files[0].read_bytes()
    assert raw.startswith(b"X-Envelope-To: buyer@acme.example\r\n")
    assert b"Your code is 424242." in raw
    assert not (catcher.folder.parent / "not-this-one").exists()  # --dir beats MAILCATCHER_DIR


def test_the_api_lists_messages_newest_first(catcher):
    catcher.send(subject=f"First {EVIL}", to="one@acme.example")
    catcher.send(subject="Second", to="two@acme.example")
    listed = catcher.api()
    assert [m["subject"] for m in listed] == ["Second", f"First {EVIL}"]
    first = listed[1]
    assert set(first) == {"id", "from", "to", "subject", "date", "text", "html"}
    assert first["to"] == "one@acme.example"
    assert first["from"] == "Portal <no-reply@portal.example>"
    assert first["text"] == "Your code is 424242.\n"
    assert "<b>424242</b>" in first["html"]
    assert (catcher.folder / f"{first['id']}.eml").is_file()


def test_the_index_page_escapes_mail_text_and_sends_a_strict_csp(catcher):
    catcher.send()
    message_id = catcher.api()[0]["id"]
    status, headers, body = catcher.request("GET", "/")
    assert status == 200
    assert headers["Content-Type"].startswith("text/html")
    assert headers["Content-Security-Policy"] == CSP
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "<script" not in body
    assert escape(f"Reset {EVIL}") in body
    assert f'href="/messages/{message_id}"' in body


def test_the_message_page_shows_mail_html_only_in_a_sandboxed_iframe(catcher):
    catcher.send()
    message_id = catcher.api()[0]["id"]
    status, headers, body = catcher.request("GET", f"/messages/{message_id}")
    assert status == 200
    assert headers["Content-Security-Policy"] == CSP
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "<script" not in body
    assert "<b>424242</b>" not in body  # the mail's markup is never part of the page itself
    assert escape("Your code is 424242.") in body  # the text part, as text
    mail_html = f'<html><body><p class="x">Your code is <b>424242</b>{EVIL}</p></body></html>'
    srcdoc = escape(mail_html, quote=True)
    assert f'<iframe sandbox srcdoc="{srcdoc}' in body
    assert body.count("<iframe") == 1


def test_delete_clears_every_message(catcher):
    catcher.send()
    catcher.send()
    assert len(catcher.api()) == 2
    status, _, _ = catcher.request("DELETE", "/api/messages")
    assert status == 200
    assert catcher.api() == []
    assert list(catcher.folder.glob("*.eml")) == []
    status, _, body = catcher.request("GET", "/")
    assert "No mail yet." in body


@pytest.mark.parametrize("path", ["/messages/../etc", "/messages/..%2Fetc", "/messages/a/b",
                                  "/messages/missing", "/nope", "/api/messages/x"])
def test_unknown_paths_and_names_with_slashes_or_dots_are_404(catcher, path):
    catcher.send()
    status, headers, body = catcher.request("GET", path)
    assert status == 404
    assert headers["Content-Security-Policy"] == CSP


def test_a_mail_file_outside_the_folder_cannot_be_reached(catcher):
    catcher.send()
    message_id = catcher.api()[0]["id"]
    outside = catcher.folder.parent / f"{message_id}.eml"
    outside.write_bytes((catcher.folder / f"{message_id}.eml").read_bytes())
    assert catcher.request("GET", f"/messages/{message_id}")[0] == 200
    for path in (f"/messages/../{message_id}", f"/messages/..%2F{message_id}", f"/messages/mail/../../{message_id}"):
        assert catcher.request("GET", path)[0] == 404, path


def test_a_page_asking_for_another_host_name_is_refused(catcher):
    # DNS rebinding: evil.example resolving to 127.0.0.1 must not read the mail
    catcher.send()
    assert catcher.request("GET", "/api/messages", host=f"evil.example:{catcher.http_port}")[0] == 403
    assert catcher.request("DELETE", "/api/messages", host="evil.example")[0] == 403
    assert catcher.request("GET", "/api/messages", host=f"localhost:{catcher.http_port}")[0] == 200
    assert len(catcher.api()) == 1


def test_sigterm_stops_it_cleanly_with_exit_0(catcher):
    catcher.send()
    catcher.proc.send_signal(signal.SIGTERM)
    out, err = catcher.proc.communicate(timeout=10)
    assert catcher.proc.returncode == 0, err
    assert (f"mail catcher: smtp 127.0.0.1:{catcher.smtp_port}, "
            f"web http://127.0.0.1:{catcher.http_port}/") in out.splitlines()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", catcher.http_port), timeout=1).close()
