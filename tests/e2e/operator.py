"""The operator at a running test stack: `python -m services.<name> ...` with the settings
`make up` gave that service (its data folder, its keys), as an operator runs it where the
service runs; and calls to the gateway under another org's host name without a resolver
(Python does not map *.localhost to loopback as Chromium does)."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import requests

from services.chassis import auth
from tests.e2e.stack import ROOT, Stack


def service_env(stack: Stack) -> dict:
    """What deploy/local/up.py hands every process, as far as a command line needs it."""
    var = stack.data_dir
    key = (var / "internal_token_key.pem").read_text()
    env = {**os.environ, "PORTAL_DATA_DIR": str(var), "PORTAL_ENV": "dev",
           "KAFKA_BOOTSTRAP": f"127.0.0.1:{stack.broker}",
           "PORTAL_PUBLIC_URL": f"http://{{host}}:{stack.gateway}",
           "IDENTITY_INTERNAL_TOKEN_PRIVATE_KEY": key, "INTERNAL_TOKEN_PUBLIC_KEYS": auth.public_pem(key)}
    for name in ("identity", "notifications", "billing"):
        path = var / f"{name}_secrets_key"
        if path.exists():
            env[f"{name.upper()}_SECRETS_KEY"] = path.read_text().strip()
    for name in ("identity", "billing", "orders", "support", "documents", "notifications"):
        env[f"SERVICE_URL_{name.upper()}"] = stack.url(name)
    return env


def org_create(stack: Stack, **options: str) -> dict:
    """`python -m services.identity org create --name ... --host ...`: the JSON it prints."""
    argv = [sys.executable, "-m", "services.identity", "org", "create"]
    for name, value in options.items():
        argv += [f"--{name.replace('_', '-')}", value]
    done = subprocess.run(argv, env=service_env(stack), cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def at_host(stack: Stack, host: str, method: str, path: str, **kwargs) -> requests.Response:
    """A request to the gateway as if to http://<host>:<port><path> (the Host header names the org)."""
    headers = {"Host": f"{host}:{stack.gateway}", **kwargs.pop("headers", {})}
    return requests.request(method, f"http://127.0.0.1:{stack.gateway}{path}", headers=headers,
                            allow_redirects=False, timeout=10, **kwargs)
