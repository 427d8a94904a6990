"""documents' storage, the same tests on a local folder and on a real S3 server (moto):
bytes come back identical and in chunks, a missing object is Missing, one org never reaches
another's objects, names that could step out of their folder are refused, a put that fails
half-way leaves nothing, and the settings choose the adapter."""
from __future__ import annotations

import errno
import os
import stat
import uuid

import pytest
import urllib3
from minio import Minio
from minio.error import S3Error

from services.chassis.config import Config
from services.documents.adapters import storage as storage_module
from services.documents.adapters.storage import CHUNK, DEFAULT_BUCKET, S3, LocalDisk, Missing, storage_from
from tests.helpers.s3 import ACCESS_KEY, SECRET_KEY

ORG, OTHER_ORG = "org-acme", "org-other"
MB = 1024 * 1024


def key() -> str:
    return str(uuid.uuid4())


def read(storage, org_id: str, name: str) -> bytes:
    return b"".join(storage.open(org_id, name))


def test_put_then_open_gives_the_same_bytes(storage):
    name, data = key(), bytes(range(256)) * 3
    storage.put(ORG, name, data, "application/pdf")
    assert storage.exists(ORG, name)
    assert read(storage, ORG, name) == data


def test_a_large_object_comes_back_identical_in_chunks(storage):
    name, data = key(), os.urandom(5 * MB + 123)
    storage.put(ORG, name, data, "application/pdf")
    chunks = list(storage.open(ORG, name))
    assert all(0 < len(chunk) <= CHUNK for chunk in chunks) and len(chunks) >= len(data) // CHUNK
    assert b"".join(chunks) == data


def test_a_put_replaces_the_object(storage):
    name = key()
    storage.put(ORG, name, b"first", "text/plain")
    storage.put(ORG, name, b"second", "text/plain")
    assert read(storage, ORG, name) == b"second"


def test_a_missing_object_is_missing_when_opened_not_when_read(storage):
    assert not storage.exists(ORG, "nothing-here")
    with pytest.raises(Missing):
        storage.open(ORG, "nothing-here")


def test_an_object_opened_and_closed_unread_releases_it(storage):
    name = key()
    storage.put(ORG, name, b"x" * (3 * CHUNK), "text/plain")
    chunks = storage.open(ORG, name)
    assert next(chunks) == b"x" * CHUNK
    chunks.close()
    assert list(chunks) == []
    assert read(storage, ORG, name) == b"x" * (3 * CHUNK)   # and the next reader is served


def test_delete_removes_it_and_is_quiet_when_missing(storage):
    name = key()
    storage.put(ORG, name, b"data", "text/plain")
    storage.delete(ORG, name)
    assert not storage.exists(ORG, name)
    with pytest.raises(Missing):
        storage.open(ORG, name)
    storage.delete(ORG, name)
    storage.delete(ORG, "never-was")


def test_one_org_never_reaches_another_orgs_object(storage):
    name = key()
    storage.put(ORG, name, b"acme's", "text/plain")
    assert not storage.exists(OTHER_ORG, name)
    with pytest.raises(Missing):
        storage.open(OTHER_ORG, name)
    storage.delete(OTHER_ORG, name)
    assert read(storage, ORG, name) == b"acme's"
    storage.put(OTHER_ORG, name, b"other's", "text/plain")
    assert read(storage, ORG, name) == b"acme's" and read(storage, OTHER_ORG, name) == b"other's"


BAD_NAMES = ["", ".", "..", "../x", "a/b", "/abs", "a\\b", "x..y", "x\x00", "x\n", "\x1b[31m", "x\x85",
             "a" * 201, None, 7]


@pytest.mark.parametrize("bad", BAD_NAMES)
@pytest.mark.parametrize("action", ["put", "open", "delete", "exists"])
def test_an_org_id_or_key_that_could_leave_its_folder_is_refused(storage, action, bad):
    args = {"put": (b"data", "text/plain")}.get(action, ())
    with pytest.raises(ValueError):
        getattr(storage, action)(bad, key(), *args)
    with pytest.raises(ValueError):
        getattr(storage, action)(ORG, bad, *args)


class CutOnSecondPart(urllib3.PoolManager):
    """An S3 connection that drops while the second part of a multipart upload is sent."""

    def urlopen(self, method, url, *args, **kwargs):
        if method == "PUT" and "partNumber=2" in url:
            raise urllib3.exceptions.ProtocolError("Connection reset by peer")
        return super().urlopen(method, url, *args, **kwargs)


@pytest.fixture
def failing_storage(storage_kind, storage, storage_env, monkeypatch):
    """Makes a storage on the same place as `storage` whose puts fail half-way: on disk the
    disk fills up after the first MB written; on S3 the connection drops after the first part."""
    def make():
        if storage_kind == "disk":
            real_write, calls = os.write, []

            def write(fd, data):
                calls.append(len(data))
                if len(calls) > 1:
                    raise OSError(errno.ENOSPC, "No space left on device")
                return real_write(fd, data)
            monkeypatch.setattr(storage_module.os, "write", write)
            return storage
        client = Minio(storage_env["DOCUMENTS_S3_ENDPOINT"], access_key=ACCESS_KEY, secret_key=SECRET_KEY,
                       secure=False, http_client=CutOnSecondPart())
        return S3(client, storage.bucket)
    return make


def test_a_put_that_fails_half_way_leaves_nothing_visible(storage, failing_storage, monkeypatch):
    kept, new = key(), key()
    storage.put(ORG, kept, b"the first version", "application/pdf")
    broken = failing_storage()
    data = os.urandom(12 * MB)
    for name in (kept, new):
        with pytest.raises(Exception) as failed:
            broken.put(ORG, name, data, "application/pdf")
        assert isinstance(failed.value, (OSError, urllib3.exceptions.HTTPError))
    monkeypatch.undo()
    assert not storage.exists(ORG, new)
    with pytest.raises(Missing):
        storage.open(ORG, new)
    assert read(storage, ORG, kept) == b"the first version"


def test_on_disk_a_failed_fsync_leaves_nothing_and_no_temporary_file(tmp_path, monkeypatch):
    disk = LocalDisk(tmp_path / "docs")
    name = key()

    def fsync(fd):
        raise OSError(errno.EIO, "I/O error")
    monkeypatch.setattr(storage_module.os, "fsync", fsync)
    with pytest.raises(OSError):
        disk.put(ORG, name, b"data", "text/plain")
    monkeypatch.undo()
    assert not disk.exists(ORG, name)
    assert [p.name for p in (tmp_path / "docs").rglob("*") if p.is_file()] == []


def test_on_disk_folders_and_files_are_private_to_the_service(tmp_path):
    disk = LocalDisk(tmp_path / "new" / "docs")
    name = key()
    disk.put(ORG, name, b"data", "text/plain")
    path = tmp_path / "new" / "docs" / "orgs" / ORG / name
    assert path.read_bytes() == b"data"
    assert stat.S_IMODE((tmp_path / "new" / "docs").stat().st_mode) == 0o700
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == [name]          # no temporary file left


# -- choosing from the settings ---------------------------------------------------------------

def config(env: dict) -> Config:
    return Config.from_env("documents", env=env)


def test_the_settings_choose_the_adapter(storage_kind, storage_env):
    chosen = storage_from(config(storage_env))
    if storage_kind == "disk":
        assert isinstance(chosen, LocalDisk) and str(chosen.root) == storage_env["DOCUMENTS_STORAGE_PATH"]
    else:
        assert isinstance(chosen, S3) and chosen.bucket == storage_env["DOCUMENTS_S3_BUCKET"]
        assert chosen.client.bucket_exists(chosen.bucket)               # made at start


def test_disk_is_the_default_under_the_data_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert storage_from(config({})).root == tmp_path / "var" / "documents"
    assert storage_from(config({"PORTAL_DATA_DIR": str(tmp_path / "data")})).root == tmp_path / "data" / "documents"
    assert storage_from(config({"STORAGE_PATH": "plain", "DOCUMENTS_STORAGE_PATH": "prefixed"})).root == \
        tmp_path / "prefixed"                                          # DOCUMENTS_<NAME> wins over <NAME>


def test_s3_makes_its_default_bucket_and_is_private(s3_server):
    env = {"STORAGE": "s3", "S3_ENDPOINT": s3_server.endpoint, "S3_ACCESS_KEY": ACCESS_KEY,
           "S3_SECRET_KEY": SECRET_KEY, "S3_SECURE": "false", "S3_REGION": "us-east-1"}
    chosen = storage_from(config(env))
    assert chosen.bucket == DEFAULT_BUCKET and chosen.client.bucket_exists(DEFAULT_BUCKET)
    assert storage_from(config(env)).bucket == DEFAULT_BUCKET          # a second process finds it made
    # moto checks no credentials, so an anonymous read proves nothing here: check that no
    # bucket policy was ever set (the only way this adapter could make objects public)
    with pytest.raises(S3Error) as no_policy:
        chosen.client.get_bucket_policy(DEFAULT_BUCKET)
    assert no_policy.value.code == "NoSuchBucketPolicy"


def test_s3_is_secure_unless_told_otherwise():
    env = {"DOCUMENTS_S3_ENDPOINT": "s3.example.test:443", "DOCUMENTS_S3_ACCESS_KEY": "a",
           "DOCUMENTS_S3_SECRET_KEY": "b"}
    assert storage_module.s3_client(config(env))._base_url.is_https
    assert not storage_module.s3_client(config({**env, "DOCUMENTS_S3_SECURE": "false"}))._base_url.is_https
    # a URL's scheme says it (the Kubernetes ConfigMap writes http://minio:9000, https://s3...)
    assert not storage_module.s3_client(config({**env, "DOCUMENTS_S3_ENDPOINT": "http://minio:9000"}))._base_url.is_https
    assert storage_module.s3_client(config({**env, "DOCUMENTS_S3_ENDPOINT": "https://s3.example.com",
                                            "DOCUMENTS_S3_SECURE": "false"}))._base_url.is_https


@pytest.mark.parametrize("env, names", [
    ({"DOCUMENTS_STORAGE": "ftp"}, "DOCUMENTS_STORAGE"),
    ({"DOCUMENTS_STORAGE": "s3"}, "DOCUMENTS_S3_ENDPOINT"),
    ({"DOCUMENTS_STORAGE": "s3", "DOCUMENTS_S3_ENDPOINT": "http://127.0.0.1:9000/bucket"}, "DOCUMENTS_S3_ENDPOINT"),
    ({"DOCUMENTS_STORAGE": "s3", "DOCUMENTS_S3_ENDPOINT": "127.0.0.1:9000"}, "DOCUMENTS_S3_ACCESS_KEY"),
    ({"DOCUMENTS_STORAGE": "s3", "DOCUMENTS_S3_ENDPOINT": "127.0.0.1:9000", "DOCUMENTS_S3_ACCESS_KEY": "a",
      "DOCUMENTS_S3_SECRET_KEY": "b", "DOCUMENTS_S3_SECURE": "maybe"}, "DOCUMENTS_S3_SECURE"),
])
def test_a_bad_setting_is_refused_naming_it(env, names):
    with pytest.raises(ValueError, match=names):
        storage_from(config(env))
