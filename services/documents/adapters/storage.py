"""Where documents' bytes live: the `Storage` port, a local folder (`LocalDisk`, the embedded
default) and any S3-compatible object store (`S3`, through the `minio` client).

Every object lives under a per-org prefix, `orgs/<org_id>/<key>`, so one org's key never
reads another org's object. Keys are chosen by the service (uuids), never by users; an
org id or a key that is empty, ".", longer than 200 characters, or holds '/', '\\', '..' or
a control character is a ValueError (a bug of the caller, not a user's mistake).

Neither adapter makes anything public: files are served by the service, after its own
access check, never straight from a web root or a public bucket.

Settings: `storage_from(config)` takes the service's chassis `Config` and reads them with
`config.setting(NAME)`, so `DOCUMENTS_<NAME>` wins over `<NAME>` and a test hands in its own
environment with `Config(..., env={...})`. The adapters themselves never read the environment.

| Variable | Meaning |
|---|---|
| `DOCUMENTS_STORAGE` | `disk` (default) or `s3` |
| `DOCUMENTS_STORAGE_PATH` | disk: the folder; default `<PORTAL_DATA_DIR>/documents` (`var/documents` relative to the working directory where PORTAL_DATA_DIR is unset, as the chassis does for its SQLite files; `make up` sets PORTAL_DATA_DIR to the checkout's `var`) |
| `DOCUMENTS_S3_ENDPOINT` | s3: `host:port`, or `http(s)://host:port` whose scheme sets TLS (required) |
| `DOCUMENTS_S3_ACCESS_KEY`, `DOCUMENTS_S3_SECRET_KEY` | s3: credentials (required) |
| `DOCUMENTS_S3_BUCKET` | s3: default `portal-documents`; created at start where missing |
| `DOCUMENTS_S3_SECURE` | s3: TLS, default `true` (`false` for a loopback test server) |
| `DOCUMENTS_S3_REGION` | s3: optional (the bucket's region; the client asks the server where unset) |
"""
from __future__ import annotations

import errno
import io
import os
import re
import tempfile
from pathlib import Path
from typing import Callable, Iterator, Protocol

from minio import Minio
from minio.error import S3Error

from services.chassis.config import Config

CHUNK = 64 * 1024
DEFAULT_BUCKET = "portal-documents"
NAME_LIMIT = 200
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
NOT_FOUND = {"NoSuchKey", "NoSuchObject", "ResourceNotFound"}


class Missing(Exception):
    """No such object (for this org)."""


class Storage(Protocol):
    def put(self, org_id: str, key: str, data: bytes, content_type: str) -> None:
        """Store `data` whole, or leave nothing visible (an earlier object under the key stays)."""

    def open(self, org_id: str, key: str) -> Iterator[bytes]:
        """The object's bytes in chunks of about 64 KiB; raises Missing. The iterator has a
        close() (Flask/werkzeug call it when a response ends): call it when not read to its end."""

    def delete(self, org_id: str, key: str) -> None:
        """Remove the object; quiet when it is missing."""

    def exists(self, org_id: str, key: str) -> bool:
        ...


def object_name(org_id: str, key: str) -> str:
    """`orgs/<org_id>/<key>`, after refusing a part that could step out of its folder."""
    return f"orgs/{_part(org_id, 'org_id')}/{_part(key, 'key')}"


def _part(value: str, what: str) -> str:
    if not isinstance(value, str) or value in ("", ".") or len(value) > NAME_LIMIT:
        raise ValueError(f"{what} must be a non-empty name of at most {NAME_LIMIT} characters, not {value!r}")
    if "/" in value or "\\" in value or ".." in value or CONTROL.search(value):
        raise ValueError(f"{what} must not hold '/', '\\', '..' or control characters: {value!r}")
    return value


class Chunks:
    """An iterator over an open object's bytes that releases it once read to its end, on
    an error, or on close(), whichever comes first."""

    def __init__(self, read: Callable[[int], bytes], release: Callable[[], None]):
        self._read, self._release = read, release

    def __iter__(self) -> "Chunks":
        return self

    def __next__(self) -> bytes:
        if self._release is None:
            raise StopIteration
        try:
            chunk = self._read(CHUNK)
        except BaseException:
            self.close()
            raise
        if not chunk:
            self.close()
            raise StopIteration
        return chunk

    def close(self) -> None:
        release, self._release = self._release, None
        if release is not None:
            release()

    def __enter__(self) -> "Chunks":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class LocalDisk(Storage):
    """Files under `root` (created 0700 where missing; folders 0700, files 0600). A put
    writes a temporary file in the object's folder, fsyncs it, then renames it into place
    and fsyncs the folder: a reader sees the old object or the whole new one, and a put that
    fails half-way (disk full) leaves nothing. Keep `root` out of any web root."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root).resolve()
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)

    def _path(self, org_id: str, key: str) -> Path:
        return self.root / object_name(org_id, key)

    def put(self, org_id: str, key: str, data: bytes, content_type: str) -> None:
        path = self._path(org_id, key)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".put-", suffix=".tmp")
        try:
            try:
                _write_all(fd, data)
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, path)
        except BaseException:
            _unlink_quietly(tmp)
            raise
        _fsync_folder(path.parent)

    def open(self, org_id: str, key: str) -> Iterator[bytes]:
        try:
            file = open(self._path(org_id, key), "rb")
        except FileNotFoundError:
            raise Missing(f"no object {key} for org {org_id}") from None
        return Chunks(file.read, file.close)

    def delete(self, org_id: str, key: str) -> None:
        _unlink_quietly(self._path(org_id, key))

    def exists(self, org_id: str, key: str) -> bool:
        return self._path(org_id, key).is_file()


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view[:1024 * 1024])
        if written <= 0:
            raise OSError(errno.EIO, "nothing written")
        view = view[written:]


def _unlink_quietly(path: str | os.PathLike) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); a system without folder fds skips it."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class S3(Storage):
    """An S3-compatible bucket through `minio.Minio`. The bucket is created where missing
    when the adapter is made (at the process's start); no policy is ever set on it, so it
    stays private. A put of known length is one PUT (a multipart upload above 5 MiB, which
    minio aborts on failure): the object appears whole or not at all."""

    def __init__(self, client: Minio, bucket: str = DEFAULT_BUCKET):
        self.client, self.bucket = client, bucket
        self._ensure_bucket()

    def _ensure_bucket(self) -> None:
        if self.client.bucket_exists(self.bucket):
            return
        try:
            self.client.make_bucket(self.bucket)
        except S3Error as exc:
            if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):   # another process made it
                raise

    def put(self, org_id: str, key: str, data: bytes, content_type: str) -> None:
        self.client.put_object(self.bucket, object_name(org_id, key), io.BytesIO(data), len(data),
                               content_type=content_type or "application/octet-stream")

    def open(self, org_id: str, key: str) -> Iterator[bytes]:
        try:
            response = self.client.get_object(self.bucket, object_name(org_id, key))
        except S3Error as exc:
            if exc.code in NOT_FOUND:
                raise Missing(f"no object {key} for org {org_id}") from None
            raise

        def release() -> None:
            response.close()
            response.release_conn()
        return Chunks(response.read, release)

    def delete(self, org_id: str, key: str) -> None:
        self.client.remove_object(self.bucket, object_name(org_id, key))   # S3: quiet when missing

    def exists(self, org_id: str, key: str) -> bool:
        try:
            self.client.stat_object(self.bucket, object_name(org_id, key))
        except S3Error as exc:
            if exc.code in NOT_FOUND:
                return False
            raise
        return True


def storage_from(config: Config) -> Storage:
    """The storage the settings choose (module docstring). A bad setting is a ValueError
    that names it, raised at the process's start."""
    kind = config.setting("STORAGE", "disk").strip().lower()
    if kind == "disk":
        data_dir = config.setting("PORTAL_DATA_DIR", "var")
        return LocalDisk(config.setting("STORAGE_PATH", "") or Path(data_dir) / "documents")
    if kind == "s3":
        return S3(s3_client(config), config.setting("S3_BUCKET", "") or DEFAULT_BUCKET)
    raise ValueError(f"DOCUMENTS_STORAGE is 'disk' or 's3', not {kind!r}")


def s3_client(config: Config) -> Minio:
    """`host:port` (TLS as DOCUMENTS_S3_SECURE says), or a URL whose scheme says it
    (`http://minio:9000`, `https://s3.eu-central-1.amazonaws.com`)."""
    endpoint = config.setting("S3_ENDPOINT", "").strip()
    secure = _flag(config.setting("S3_SECURE", "true"), "DOCUMENTS_S3_SECURE")
    scheme, _, rest = endpoint.rpartition("://")
    if scheme in ("http", "https"):
        endpoint, secure = rest.rstrip("/"), scheme == "https"
    access_key, secret_key = config.setting("S3_ACCESS_KEY", ""), config.setting("S3_SECRET_KEY", "")
    if not endpoint or "://" in endpoint or "/" in endpoint:
        raise ValueError(f"DOCUMENTS_S3_ENDPOINT is host:port or http(s)://host:port without a path, "
                         f"not {config.setting('S3_ENDPOINT', '')!r}")
    if not access_key or not secret_key:
        raise ValueError("DOCUMENTS_S3_ACCESS_KEY and DOCUMENTS_S3_SECRET_KEY must be set for DOCUMENTS_STORAGE=s3")
    return Minio(endpoint, access_key=access_key, secret_key=secret_key, secure=secure,
                 region=config.setting("S3_REGION", "") or None)


def _flag(value: str, name: str) -> bool:
    value = value.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name} is true or false, not {value!r}")
