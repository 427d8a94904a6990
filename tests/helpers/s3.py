"""A real S3 HTTP server on loopback for tests: moto's `moto_server` (moto[server], a dev
dependency), run from this virtual environment on a free port.

moto checks no credentials, no signatures and no presigned-URL expiry: a test of those
checks our own code's decisions, not the server's refusal.

    with MotoS3() as s3:            # or MotoS3().start() ... .stop()
        client = s3.client()        # a minio.Minio on it
        s3.endpoint                 # "127.0.0.1:<port>", for DOCUMENTS_S3_ENDPOINT

In pytest, the session-scoped fixture `s3_endpoint` (tests/integration/documents/conftest.py)
runs one for the whole session."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field

from minio import Minio

from tests.helpers.broker import free_port

ACCESS_KEY = SECRET_KEY = "testing"


@dataclass
class MotoS3:
    port: int = field(default_factory=free_port)
    log_path: str = os.devnull
    proc: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.endpoint}"

    def start(self, timeout: float = 30.0) -> "MotoS3":
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                                         stdout=log, stderr=subprocess.STDOUT)
        try:
            self._wait_until_it_answers(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_until_it_answers(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"moto_server exited with {self.proc.returncode} (log: {self.log_path})")
            try:
                urllib.request.urlopen(f"{self.url}/moto-api/", timeout=1).close()
                return
            except urllib.error.HTTPError:
                return                                  # an HTTP answer, whatever its status
            except OSError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"moto_server did not answer on {self.url} within {timeout} s")
                time.sleep(0.1)

    def stop(self) -> None:
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
            self.proc.wait()
            self.proc = None

    def reset(self) -> None:
        """Forget every bucket and object."""
        urllib.request.urlopen(urllib.request.Request(f"{self.url}/moto-api/reset", method="POST"), timeout=10).close()

    def client(self, **options) -> Minio:
        return Minio(self.endpoint, access_key=ACCESS_KEY, secret_key=SECRET_KEY, secure=False, **options)

    def __enter__(self) -> "MotoS3":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
