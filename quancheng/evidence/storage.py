"""Content-addressed blob storage.

Bytes are addressed by their SHA-256 under the key ``sha256/ab/cd/<hex>``, so identical content is stored
once and any change to stored bytes is detectable (INTEGRITY-01/02).

Every way in goes through a *staged* temp file: a ``BlobWriter`` writes the bytes into the store's
``incoming`` directory while hashing them, then ``commit`` makes them durable under their address in one step.
The local backend commits with fsync → rename (same filesystem), so a crash never leaves a half-written blob
under its final name; the S3 backend (``s3.py``) streams the staged file to the bucket. The bytes are thus
written once and read at most once more (for S3), and never held in memory.
"""

from __future__ import annotations

import functools
import hashlib
import io
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from django.conf import settings

CHUNK = 1024 * 1024
INCOMING = "incoming"


@dataclass(frozen=True)
class StoredBlob:
    """Bytes that are (or are about to be) in the store, known by digest and size."""

    sha256: str
    size: int


@dataclass(frozen=True)
class StagedBlob(StoredBlob):
    """Bytes hashed into a temp file of the store's incoming directory, not yet committed."""

    path: Path

    def discard(self) -> None:
        """Remove the temp file; a no-op once committed (the file has moved) or already discarded."""
        self.path.unlink(missing_ok=True)


class StoreUnavailable(OSError):
    """The store could not be reached or refused to store or read (S3 down or misconfigured, disk failing).

    Nothing is lost: the caller keeps its staged bytes and may retry once the store is back (the API answers
    503 ``storage_unavailable``)."""


class BlobTooLarge(Exception):
    """More bytes arrived than the caller allowed; the temp file is already gone."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"more than {limit} bytes")
        self.limit = limit


class BlobWriter:
    """Writes bytes to a temp file in ``incoming`` while updating their SHA-256: one pass, bounded memory."""

    def __init__(self, incoming: Path, *, max_bytes: int | None = None) -> None:
        incoming.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=incoming, prefix="upload-")
        self.path = Path(name)
        # Read-write, so the finished file can be handed on (e.g. as an UploadedFile) without reopening it.
        self.file = os.fdopen(fd, "w+b")
        self.max_bytes = max_bytes
        self.size = 0
        self._digest = hashlib.sha256()

    def write(self, chunk: bytes) -> None:
        if self.max_bytes is not None and self.size + len(chunk) > self.max_bytes:
            self.discard()
            raise BlobTooLarge(self.max_bytes)
        self._digest.update(chunk)
        self.file.write(chunk)
        self.size += len(chunk)

    def finish(self) -> StagedBlob:
        """Make the bytes durable on disk and return what they are; the file stays open at offset 0."""
        try:
            self.file.flush()
            os.fsync(self.file.fileno())
            self.file.seek(0)
        except BaseException:
            self.discard()
            raise
        return StagedBlob(sha256=self._digest.hexdigest(), size=self.size, path=self.path)

    def discard(self) -> None:
        self.file.close()
        self.path.unlink(missing_ok=True)


class BlobStore(Protocol):
    incoming_dir: Path

    def writer(self, *, max_bytes: int | None = None) -> BlobWriter: ...
    def commit(self, staged: StagedBlob) -> StoredBlob: ...
    def put_chunks(self, chunks: Iterable[bytes], *, max_bytes: int | None = None) -> StoredBlob: ...
    def open(self, sha256: str) -> BinaryIO: ...
    def open_range(self, sha256: str, start: int, end_inclusive: int) -> BinaryIO: ...
    def exists(self, sha256: str) -> bool: ...


def check_range(start: int, end_inclusive: int) -> None:
    """A byte range as HTTP writes it (``bytes=start-end``, both inclusive); the caller clamps ``end`` to the
    blob's size. Reading past the end gives fewer bytes, a range starting at or past the end gives none."""
    if start < 0 or end_inclusive < start:
        raise ValueError(f"invalid byte range {start}-{end_inclusive}")


class RangeFile(io.RawIOBase):
    """A read-only window ``[start, end_inclusive]`` of an open binary file: reads stop at the window's end,
    seeks are relative to its start. Closing it closes the file. Lets a blob part be read, streamed or handed on
    without copying it into memory."""

    def __init__(self, file: BinaryIO, start: int, end_inclusive: int) -> None:
        check_range(start, end_inclusive)
        super().__init__()
        self._file = file
        self._start = start
        self._length = end_inclusive - start + 1
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        wanted = min(len(buffer), self._length - self._pos)
        if wanted <= 0:
            return 0
        self._file.seek(self._start + self._pos)
        view = memoryview(buffer).cast("B")[:wanted]
        got = self._file.readinto(view)  # type: ignore[attr-defined]
        got = got or 0
        self._pos += got
        return got

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._length}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        if not self.closed:
            self._file.close()
        super().close()


def blob_key(sha256: str) -> str:
    return f"sha256/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def stage_chunks(store: BlobStore, chunks: Iterable[bytes], *, max_bytes: int | None = None) -> StagedBlob:
    """Hash ``chunks`` into a staged temp file of ``store`` (for ``media_ingest``, which commits it)."""
    writer = store.writer(max_bytes=max_bytes)
    try:
        for chunk in chunks:
            writer.write(chunk)
    except BaseException:
        writer.discard()
        raise
    staged = writer.finish()
    writer.file.close()
    return staged


def iter_file(stream: BinaryIO, chunk_size: int = CHUNK) -> Iterable[bytes]:
    while chunk := stream.read(chunk_size):
        yield chunk


class LocalBlobStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.incoming_dir = self.root / INCOMING

    def path(self, sha256: str) -> Path:
        return self.root / blob_key(sha256)

    def writer(self, *, max_bytes: int | None = None) -> BlobWriter:
        return BlobWriter(self.incoming_dir, max_bytes=max_bytes)

    def commit(self, staged: StagedBlob) -> StoredBlob:
        final = self.path(staged.sha256)
        try:
            if final.exists():
                staged.discard()  # same content already stored once
            else:
                final.parent.mkdir(parents=True, exist_ok=True)
                # The staged file was fsynced when finished; a rename within one filesystem is atomic, and
                # fsyncing the directory makes the new name itself survive a crash.
                os.replace(staged.path, final)
                _fsync_dir(final.parent)
        except BaseException:
            staged.discard()
            raise
        return StoredBlob(sha256=staged.sha256, size=staged.size)

    def put_chunks(self, chunks: Iterable[bytes], *, max_bytes: int | None = None) -> StoredBlob:
        return self.commit(stage_chunks(self, chunks, max_bytes=max_bytes))

    def open(self, sha256: str) -> BinaryIO:
        return open(self.path(sha256), "rb")

    def open_range(self, sha256: str, start: int, end_inclusive: int) -> BinaryIO:
        """Bytes ``start``..``end_inclusive`` (HTTP Range semantics, for playback); FileNotFoundError when absent."""
        check_range(start, end_inclusive)
        return io.BufferedReader(RangeFile(open(self.path(sha256), "rb"), start, end_inclusive), CHUNK)  # type: ignore[return-value]

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()


def _fsync_dir(directory: Path) -> None:
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


@functools.lru_cache(maxsize=8)
def _store_for(backend: str, blob_dir: str, bucket: str, endpoint_url: str, region: str) -> BlobStore:
    if backend == "local":
        return LocalBlobStore(Path(blob_dir))
    if backend == "s3":
        from .s3 import S3BlobStore  # imported lazily: boto3 is only needed when S3 is configured

        return S3BlobStore.create(
            bucket=bucket, endpoint_url=endpoint_url, region=region, incoming_dir=Path(blob_dir) / INCOMING
        )
    raise ValueError(f"unknown QUANCHENG_BLOB_BACKEND {backend!r}")


def get_blob_store() -> BlobStore:
    """The configured store. Cached per configuration (an S3 client is costly to build; tests override settings)."""
    return _store_for(
        settings.QUANCHENG_BLOB_BACKEND,
        str(settings.QUANCHENG_BLOB_DIR),
        settings.QUANCHENG_S3_BUCKET,
        settings.QUANCHENG_S3_ENDPOINT_URL,
        settings.QUANCHENG_S3_REGION,
    )
