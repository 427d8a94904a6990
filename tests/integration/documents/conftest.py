"""documents' storage in tests: every test that asks for `storage` or `storage_env` runs
twice, on a local folder and on a real S3 server (moto_server on loopback).

- `storage_kind`: "disk" or "s3" (the parameter).
- `storage_env`: the settings (a dict of DOCUMENTS_* variables) that make `storage_from`
  choose that storage: a fresh folder under tmp_path, or a fresh bucket on the session's S3
  server (emptied and removed after the test). Hand it to the service as its environment,
  `Config.from_env("documents", env=storage_env)`, or set it with monkeypatch.setenv.
- `storage`: the adapter `storage_from` makes from `storage_env`.
- `s3_server` / `s3_endpoint` (session): one MotoS3 (tests/helpers/s3.py) for the whole
  session, started the first time an S3 test asks for it; `s3_endpoint` is its "127.0.0.1:<port>".
"""
from __future__ import annotations

import uuid

import pytest

from services.chassis.config import Config
from services.documents.adapters.storage import storage_from
from tests.helpers.s3 import ACCESS_KEY, SECRET_KEY, MotoS3


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    server = MotoS3(log_path=str(tmp_path_factory.mktemp("moto") / "moto_server.log")).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def s3_endpoint(s3_server) -> str:
    return s3_server.endpoint


@pytest.fixture(params=["disk", "s3"])
def storage_kind(request) -> str:
    return request.param


@pytest.fixture
def storage_env(storage_kind, tmp_path, request):
    if storage_kind == "disk":
        yield {"DOCUMENTS_STORAGE": "disk", "DOCUMENTS_STORAGE_PATH": str(tmp_path / "documents")}
        return
    server = request.getfixturevalue("s3_server")     # started only where an S3 test runs
    bucket = f"test-{uuid.uuid4().hex[:16]}"
    yield {"DOCUMENTS_STORAGE": "s3", "DOCUMENTS_S3_ENDPOINT": server.endpoint,
           "DOCUMENTS_S3_ACCESS_KEY": ACCESS_KEY, "DOCUMENTS_S3_SECRET_KEY": SECRET_KEY,
           "DOCUMENTS_S3_BUCKET": bucket, "DOCUMENTS_S3_SECURE": "false"}
    _remove_bucket(server.client(), bucket)


@pytest.fixture
def storage(storage_env):
    return storage_from(Config.from_env("documents", env=storage_env))


def _remove_bucket(client, bucket: str) -> None:
    """Keep the session's server small: a test's objects go with its bucket."""
    if not client.bucket_exists(bucket):
        return
    for item in client.list_objects(bucket, recursive=True):
        client.remove_object(bucket, item.object_name)
    client.remove_bucket(bucket)
