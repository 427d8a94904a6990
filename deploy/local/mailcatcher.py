"""A tiny local mail catcher for `make up` (a stand-in for MailHog/Mailpit).

Why it exists: on a developer machine the services still send mail (sign-up,
password reset, invoices), but nothing should leave the machine. Point them at
this SMTP port and every message is kept as a .eml file in a folder and shown
on a small read-only web page. It is for local development only; production
sends through a real SMTP relay, never through this.

    python deploy/local/mailcatcher.py --smtp-port 8025 --http-port 8026 --dir var/mail

Flags default from MAILCATCHER_SMTP_PORT, MAILCATCHER_HTTP_PORT and MAILCATCHER_DIR.
Both servers bind 127.0.0.1 only. Mail HTML is shown only inside a sandboxed
iframe, and every page carries a strict Content-Security-Policy, so a message
can never run script in the page. SIGINT/SIGTERM stops both servers; exit 0.
"""
from __future__ import annotations

import argparse
import email
import email.policy
import html
import json
import os
import re
import secrets
import signal
import sys
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from aiosmtpd.controller import Controller

HOST = "127.0.0.1"
NAME = re.compile(r"^[0-9A-Za-z_-]+$")  # a message id: "<UTC timestamp>-<8 hex>", never "/" or ".."
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-src 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]"}
STYLE = ("body{font:14px system-ui,sans-serif;margin:1.5em}table{border-collapse:collapse}"
         "td,th{border-bottom:1px solid #ddd;padding:.3em .6em;text-align:left;vertical-align:top}"
         "pre{white-space:pre-wrap}iframe{width:100%;height:60vh;border:1px solid #ccc}")


class MailHandler:
    """aiosmtpd handler: accept everything, keep each message as <dir>/<timestamp>-<hex>.eml."""

    def __init__(self, folder: Path):
        self.folder = folder

    async def handle_DATA(self, server, session, envelope):
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        name = f"{stamp}-{secrets.token_hex(4)}"
        rcpts = ", ".join(r.replace("\r", "").replace("\n", "") for r in envelope.rcpt_tos)
        raw = f"X-Envelope-To: {rcpts}\r\n".encode() + (envelope.original_content or b"")
        partial = self.folder / f".{name}.part"  # written whole, then renamed: readers never see half a mail
        partial.write_bytes(raw)
        os.replace(partial, self.folder / f"{name}.eml")
        print(f"mail catcher: caught {name} for {rcpts}", flush=True)
        return "250 Message accepted for delivery"


def _header(msg, name: str) -> str:
    try:
        return str(msg.get(name, "") or "")
    except Exception:  # a malformed header must not break the listing
        return str(msg.get_all(name, [""])[0])


def _headers(msg) -> list[tuple[str, str]]:
    shown = []
    for key, value in msg.raw_items():
        try:
            shown.append((key, str(msg.policy.header_fetch_parse(key, value))))
        except Exception:
            shown.append((key, value))
    return shown


def _part(msg, subtype: str) -> str:
    try:
        part = msg.get_body((subtype,))
    except Exception:  # a broken MIME tree: show the headers at least
        return ""
    if part is None:
        return ""
    try:
        content = part.get_content()
    except Exception:  # unknown charset or broken encoding: show what we can
        content = (part.get_payload(decode=True) or b"").decode("utf-8", "replace")
    return content.replace("\r\n", "\n")  # SMTP line endings; the file keeps them as received


def load(path: Path) -> dict:
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    received = datetime.strptime(path.stem.split("-")[0], "%Y%m%dT%H%M%S%fZ").replace(tzinfo=timezone.utc)
    return {
        "id": path.stem,
        "from": _header(msg, "From"),
        "to": _header(msg, "To") or _header(msg, "X-Envelope-To"),
        "subject": _header(msg, "Subject"),
        "date": _header(msg, "Date") or received.isoformat(),
        "text": _part(msg, "plain"),
        "html": _part(msg, "html"),
        "_headers": _headers(msg),
    }


def messages(folder: Path) -> list[dict]:
    found = []
    for path in sorted(folder.glob("*.eml"), reverse=True):  # names start with the UTC time: newest first
        try:
            found.append(load(path))
        except (OSError, ValueError):  # deleted meanwhile, or not one of ours
            continue
    return found


def page(title: str, body: str) -> str:
    return (f"<!doctype html><html><head><meta charset=utf-8><title>{html.escape(title)}</title>"
            f"<style>{STYLE}</style></head><body>{body}</body></html>")


def index_page(folder: Path) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(m['date'])}</td><td>{html.escape(m['from'])}</td><td>{html.escape(m['to'])}</td>"
        f"<td><a href=\"/messages/{html.escape(m['id'])}\">{html.escape(m['subject']) or '(no subject)'}</a></td></tr>"
        for m in messages(folder))
    return page("Mail catcher", "<h1>Mail catcher</h1><p>Local development only: nothing here was sent.</p>"
                "<table><tr><th>Date</th><th>From</th><th>To</th><th>Subject</th></tr>"
                f"{rows or '<tr><td colspan=4>No mail yet.</td></tr>'}</table>")


def message_page(m: dict) -> str:
    headers = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in m["_headers"])
    body = [f"<p><a href=\"/\">&larr; all mail</a></p><h1>{html.escape(m['subject']) or '(no subject)'}</h1>",
            f"<table>{headers}</table>"]
    if m["text"]:
        body.append(f"<h2>Text</h2><pre>{html.escape(m['text'])}</pre>")
    if m["html"]:
        # empty sandbox = no scripts, no same-origin, no forms, no top navigation
        body.append(f"<h2>HTML</h2><iframe sandbox srcdoc=\"{html.escape(m['html'], quote=True)}\"></iframe>")
    return page(m["subject"] or "(no subject)", "".join(body))


def make_web_handler(folder: Path):
    class Web(BaseHTTPRequestHandler):
        server_version = "mailcatcher"
        sys_version = ""

        def log_message(self, *_):  # keep `make up` output for things that matter
            pass

        def send(self, status: int, body: str, content_type: str) -> None:
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for key, value in SECURITY_HEADERS.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def not_found(self) -> None:
            self.send(404, page("Not found", "<h1>Not found</h1>"), "text/html; charset=utf-8")

        def local_host(self) -> bool:
            # refuse DNS rebinding: a web page on some other name must not read or clear the mail
            host = (self.headers.get("Host") or "").strip().lower()
            host = host.split("]")[0] + "]" if host.startswith("[") else host.rsplit(":", 1)[0]
            if host in LOCAL_HOSTS:
                return True
            self.send(403, page("Forbidden", "<h1>Forbidden</h1>"), "text/html; charset=utf-8")
            return False

        def do_GET(self):
            if not self.local_host():
                return
            path = urlsplit(self.path).path
            if path == "/":
                return self.send(200, index_page(folder), "text/html; charset=utf-8")
            if path == "/api/messages":
                listed = [{k: v for k, v in m.items() if not k.startswith("_")} for m in messages(folder)]
                return self.send(200, json.dumps(listed), "application/json")
            if path.startswith("/messages/"):
                name = path[len("/messages/"):]
                if NAME.match(name) and (folder / f"{name}.eml").is_file():
                    try:
                        return self.send(200, message_page(load(folder / f"{name}.eml")),
                                         "text/html; charset=utf-8")
                    except (OSError, ValueError):
                        pass
            self.not_found()

        def do_DELETE(self):
            if not self.local_host():
                return
            if urlsplit(self.path).path != "/api/messages":
                return self.not_found()
            deleted = 0
            for path in folder.glob("*.eml"):
                try:
                    path.unlink()
                    deleted += 1
                except FileNotFoundError:
                    pass
            self.send(200, json.dumps({"deleted": deleted}), "application/json")

    return Web


def parse_args(argv=None) -> argparse.Namespace:
    env = os.environ.get
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smtp-port", type=int, default=int(env("MAILCATCHER_SMTP_PORT", "8025")))
    parser.add_argument("--http-port", type=int, default=int(env("MAILCATCHER_HTTP_PORT", "8026")))
    parser.add_argument("--dir", type=Path, default=Path(env("MAILCATCHER_DIR", "var/mail")))
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    folder = args.dir.resolve()
    folder.mkdir(parents=True, exist_ok=True)

    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())

    try:
        web = ThreadingHTTPServer((HOST, args.http_port), make_web_handler(folder))
    except OSError as exc:
        print(f"mail catcher: cannot listen on {HOST}:{args.http_port}: {exc}", file=sys.stderr)
        return 1
    web.daemon_threads = True
    smtp = Controller(MailHandler(folder), hostname=HOST, port=args.smtp_port)
    try:
        smtp.start()
    except Exception as exc:
        web.server_close()
        print(f"mail catcher: cannot listen on {HOST}:{args.smtp_port}: {exc}", file=sys.stderr)
        return 1
    web_thread = threading.Thread(target=web.serve_forever, kwargs={"poll_interval": 0.1},
                                  name="mailcatcher-web", daemon=True)
    web_thread.start()
    print(f"mail catcher: smtp {HOST}:{args.smtp_port}, web http://{HOST}:{args.http_port}/", flush=True)

    stop.wait()
    web.shutdown()
    web.server_close()
    smtp.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
