"""The bytes of an unfinished upload: one staging file per upload in the blob store's ``incoming`` directory,
and the running SHA-256 of its received prefix.

Each PATCH appends to the staging file at the upload's committed offset (first cutting off anything past it,
left by a request that failed before committing), hashing while it writes, and fsyncs before the new offset is
committed to the database: a committed offset always has its bytes on disk.

The running SHA-256: ``hashlib`` objects cannot be pickled or stored, so the state lives in the process
(``HashStates``, a small LRU keyed by upload) together with the offset it covers. Bytes below a committed offset
never change, so a state for an earlier offset is still a valid prefix state: when a request finds its process's
state behind the committed offset (another worker took the last chunks) or missing (a restart, eviction), it
catches up by hashing only the missing part of the staging file. Re-hashing the whole prefix on every PATCH
instead would cost O(n²) for n chunks (a 1 GiB file in 8 MiB chunks would be hashed 64 times over); the
benchmark measures both the steady state and a full rebuild (``bench/ingest.py``).
"""

from __future__ import annotations

import functools
import hashlib
import os
import threading
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from quancheng.core.errors import DomainError, ErrorCode
from quancheng.evidence.storage import CHUNK

from .tus import Checksum

STAGING_PREFIX = "tus-"
# Request bytes read (and written, and hashed) per step: memory per request stays at about this.
READ_CHUNK = CHUNK
# Hash states kept per process; an evicted one is rebuilt from the staging file when needed.
HASH_STATES_MAX = 64


def staging_path(incoming_dir: Path, upload_id: object) -> Path:
    return Path(incoming_dir) / f"{STAGING_PREFIX}{upload_id}"


class HashStates:
    """Per-process running SHA-256 states by upload: ``(offset covered, hash object)``; thread-safe."""

    def __init__(self, maxsize: int = HASH_STATES_MAX) -> None:
        self._states: OrderedDict[str, tuple[int, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self.maxsize = maxsize

    def take(self, key: str) -> tuple[int, Any] | None:
        """Remove and return the state (the caller owns it while it holds the upload's lease)."""
        with self._lock:
            return self._states.pop(key, None)

    def put(self, key: str, offset: int, state: Any) -> None:
        with self._lock:
            self._states[key] = (offset, state)
            self._states.move_to_end(key)
            while len(self._states) > self.maxsize:
                self._states.popitem(last=False)

    def drop(self, key: str) -> None:
        with self._lock:
            self._states.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._states.clear()


HASH_STATES = HashStates()


def prefix_state(path: Path, key: str, offset: int) -> Any:
    """The SHA-256 state of the staging file's first ``offset`` bytes: the process's own state, caught up from
    the file when it is behind, or rebuilt from the start when it is missing (or ahead: never trusted)."""
    found = HASH_STATES.take(key)
    covered, state = found if found is not None and found[0] <= offset else (0, hashlib.sha256())
    if covered < offset:
        _hash_file_range(path, state, covered, offset)
    return state


def _hash_file_range(path: Path, state: Any, start: int, end: int) -> None:
    try:
        with open(path, "rb") as source:
            source.seek(start)
            remaining = end - start
            while remaining > 0:
                block = source.read(min(READ_CHUNK, remaining))
                if not block:
                    break
                state.update(block)
                remaining -= len(block)
    except FileNotFoundError:
        remaining = end - start
    if remaining:
        # Fewer bytes on disk than the committed offset: the staging file was lost (cleanup, disk trouble).
        raise DomainError(ErrorCode.UPLOAD_GONE, "服务器上该上传的已接收数据已丢失,请重新创建上传")


@dataclass
class Received:
    """What one PATCH body added: bytes written (and fsynced), and the running state including them."""

    count: int
    state: Any
    complete: bool  # the body was read to its declared end (not cut off by the client going away)


class BodyInterrupted(Exception):
    """The client went away inside a chunk that carried a checksum: nothing of it was kept."""


@functools.cache
def _checksum_thread() -> ThreadPoolExecutor:
    """One helper thread per process for per-chunk checksums; each request awaits its own hasher's previous update
    before queueing the next, so a hasher's updates stay in order even if requests share the thread."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="tus-checksum")


def receive(
    *,
    path: Path,
    offset: int,
    body: BinaryIO,
    limit: int,
    exact: bool,
    prefix: Any,
    checksum: Checksum | None,
) -> Received:
    """Write up to ``limit`` bytes of ``body`` to the staging file at ``offset``, hashing them as they pass.
    ``exact``: the body declared ``limit`` bytes (Content-Length), so fewer means it was cut off; otherwise
    (chunked transfer encoding) its end is wherever it ends.

    With a ``checksum``, the chunk is kept only if the body arrived whole and matches; otherwise the file is cut
    back to ``offset`` and CHECKSUM_MISMATCH (or ``BodyInterrupted``) is raised. Without one, whatever arrived is
    kept (tus core: a client on a weak network resumes from the bytes that did arrive).
    """
    state = prefix.copy()  # the prefix stays valid for the caller if this chunk is refused
    chunk_hasher = checksum.new_hasher() if checksum is not None else None
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    count = 0
    complete = True
    try:
        os.ftruncate(fd, offset)  # drop bytes past the committed offset (left by a request that failed)
        os.lseek(fd, offset, os.SEEK_SET)
        pending: Future[None] | None = None
        while count < limit:
            try:
                block = body.read(min(READ_CHUNK, limit - count))
            except Exception:  # any read error (reset, timeout, server-specific) ends the body
                block = b""
            if not block:
                complete = not exact
                break
            if chunk_hasher is not None:
                # The chunk's own checksum is computed on a second thread while this one writes the block and
                # updates the file's running SHA-256: hashlib releases the GIL on large buffers, so the two hashes
                # run on two cores (updates of one hasher stay in order: the previous one is awaited first).
                if pending is not None:
                    pending.result()
                pending = _checksum_thread().submit(chunk_hasher.update, block)
            view = memoryview(block)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            state.update(block)
            count += len(block)
        if pending is not None:
            pending.result()
        if checksum is not None and chunk_hasher is not None:
            if not complete:
                os.ftruncate(fd, offset)
                raise BodyInterrupted()
            if chunk_hasher.digest() != checksum.digest:
                os.ftruncate(fd, offset)
                raise DomainError(ErrorCode.CHECKSUM_MISMATCH)
        os.fsync(fd)  # the bytes are durable before the offset that covers them is committed
    finally:
        os.close(fd)
    return Received(count=count, state=state, complete=complete)


def remove(path: Path) -> None:
    path.unlink(missing_ok=True)
