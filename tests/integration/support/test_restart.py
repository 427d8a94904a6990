"""The support service killed (SIGKILL, no goodbye) in the middle of a chat and started again,
as a real gunicorn process over HTTP, on SQLite and PostgreSQL: every message it answered
201 for is there after the restart, in the order it was given, and a reader that waits for
new messages across the restart picks up from where it was."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest
import requests
from sqlalchemy import insert

from services.chassis import migrate
from services.chassis.orgs import known_orgs
from services.support.bootstrap import SPEC
from tests.helpers.broker import free_port
from tests.helpers.tokens import bearer

ORG = "org-acme"


class SupportProcess:
    def __init__(self, database_url: str, tmp_path):
        self.url_db, self.port, self.tmp = database_url, free_port(), tmp_path
        self.proc: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {**os.environ, "SUPPORT_DATABASE_URL": self.url_db, "KAFKA_BOOTSTRAP": "127.0.0.1:1",
               "BIND": f"127.0.0.1:{self.port}", "WEB_CONCURRENCY": "1", "WEB_THREADS": "8",
               "PROMETHEUS_MULTIPROC_DIR": str(self.tmp), "LOG_FORMAT": "text"}
        self.proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "python:services.chassis.gunicorn_conf",
                                      "services.support.app:create_app()"], env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(self.base + "/healthz", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.1)
        raise RuntimeError("support did not start")

    def kill(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)


@pytest.fixture
def support(make_db_url, db_kind, tmp_path):
    url = make_db_url(db_kind)
    migrate.upgrade(SPEC, url)
    from sqlalchemy import create_engine
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(insert(known_orgs).values(org_id=ORG, name="Acme", host=None, settings={}))
    engine.dispose()
    process = SupportProcess(url, tmp_path)
    process.start()
    yield process
    if process.proc and process.proc.poll() is None:
        process.kill()


def test_a_restart_in_the_middle_of_a_chat_loses_no_message(support):
    contact = bearer("contact", ORG, id="contact-1", customer_id="cust-1", permissions=("view", "submit_tickets"),
                     modules=("tickets",), name="Ann", ttl_s=3600)
    staff = bearer("staff", ORG, id="staff-1", name="Sam", ttl_s=3600)
    raised = requests.post(f"{support.base}/orgs/{ORG}/customers/cust-1/tickets", headers=contact, timeout=10,
                           json={"subject": "Chat", "description": "hello"}).json()
    tid = raised["ticket_id"]
    contact_url = f"{support.base}/orgs/{ORG}/customers/cust-1/tickets/{tid}/messages"
    staff_url = f"{support.base}/orgs/{ORG}/tickets/{tid}/messages"
    acknowledged: list[tuple[int, str]] = []
    lock = threading.Lock()

    def say(url, headers, text) -> bool:
        try:
            answer = requests.post(url, json={"body": text}, headers=headers, timeout=5)
        except requests.RequestException:
            return False                      # not acknowledged: the person sees an error and sends again
        if answer.status_code == 201:
            with lock:
                acknowledged.append((answer.json()["seq"], text))
            return True
        return False

    for i in range(10):
        assert say(contact_url, contact, f"c{i}") and say(staff_url, staff, f"s{i}")

    waiting = {}

    def wait_across_restart():
        after = max(seq for seq, _ in acknowledged)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:        # as the gateway's stream does: ask again after a failure
            try:
                found = requests.get(contact_url, params={"after": after, "wait": 5}, headers=contact, timeout=10)
                if found.status_code == 200 and found.json()["items"]:
                    waiting["items"] = found.json()["items"]
                    return
            except requests.RequestException:
                time.sleep(0.2)

    reader = threading.Thread(target=wait_across_restart)
    reader.start()
    support.kill()
    lost_while_down = [say(contact_url, contact, "while down")]
    support.start()
    assert say(staff_url, staff, "after restart") and say(contact_url, contact, "me too")
    reader.join(timeout=40)

    assert lost_while_down == [False]
    stored = requests.get(f"{support.base}/orgs/{ORG}/tickets/{tid}", headers=staff, timeout=10).json()["messages_list"]
    by_seq = {m["seq"]: m["body"] for m in stored}
    for seq, text in acknowledged:
        assert by_seq[seq] == text               # every acknowledged message, at the number it was given
    assert [m["seq"] for m in stored] == list(range(1, len(stored) + 1))
    assert [m["body"] for m in stored][-2:] == ["after restart", "me too"]
    assert waiting["items"][0]["body"] == "after restart"
