"""Content-addressed blob storage.

Local backend: ``<blob_dir>/sha256/ab/cd/<hex>``, written as temp file → fsync → rename, so a crash never
leaves a half-written blob under its final name. The S3 backend stores the same keys in a bucket.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from django.conf import settings

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size: int


class BlobTooLarge(Exception):
    pass


class BlobStore(Protocol):
    def put_chunks(self, chunks: Iterable[bytes], *, max_bytes: int | None = None) -> StoredBlob: ...
    def open(self, sha256: str) -> BinaryIO: ...
    def exists(self, sha256: str) -> bool: ...


def blob_key(sha256: str) -> str:
    return f"sha256/{sha256[:2]}/{sha256[2:4]}/{sha256}"


class LocalBlobStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        return self.root / blob_key(sha256)

    def put_chunks(self, chunks: Iterable[bytes], *, max_bytes: int | None = None) -> StoredBlob:
        incoming = self.root / "incoming"
        incoming.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(dir=incoming)
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes:
                        raise BlobTooLarge(size)
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            sha = digest.hexdigest()
            final = self.path(sha)
            if final.exists():
                os.unlink(tmp_name)  # same content already stored once
            else:
                final.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp_name, final)
                dir_fd = os.open(final.parent, os.O_RDONLY)
                try:
                    os.fsync(dir_fd)
                finally:
                    os.close(dir_fd)
            return StoredBlob(sha256=sha, size=size)
        except BaseException:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)
            raise

    def open(self, sha256: str) -> BinaryIO:
        return open(self.path(sha256), "rb")

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).exists()


def get_blob_store() -> BlobStore:
    backend = settings.QUANCHENG_BLOB_BACKEND
    if backend == "local":
        return LocalBlobStore(settings.QUANCHENG_BLOB_DIR)
    if backend == "s3":
        from .s3 import S3BlobStore  # imported lazily: boto3 is only needed when S3 is configured

        return S3BlobStore.from_settings()
    raise ValueError(f"unknown QUANCHENG_BLOB_BACKEND {backend!r}")
