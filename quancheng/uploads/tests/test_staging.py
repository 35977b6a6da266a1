"""The running SHA-256 of a staging file: kept per process, caught up from the file when behind, rebuilt when
missing; a refused chunk leaves the file and the state as they were."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest

from quancheng.core.errors import DomainError, ErrorCode
from quancheng.uploads import staging
from quancheng.uploads.tus import Checksum


def _receive(path: Path, offset: int, data: bytes, checksum: Checksum | None = None) -> staging.Received:
    prefix = staging.prefix_state(path, "u1", offset)
    received = staging.receive(
        path=path, offset=offset, body=io.BytesIO(data), limit=len(data), exact=True, prefix=prefix, checksum=checksum
    )
    staging.HASH_STATES.put("u1", offset + received.count, received.state)
    return received


def test_state_is_caught_up_from_the_file_when_behind(tmp_path: Path) -> None:
    # given: two chunks written by this process, a third as if by another worker (state not updated)
    path = tmp_path / "tus-u1"
    _receive(path, 0, b"a" * 1000)
    _receive(path, 1000, b"b" * 1000)
    with open(path, "ab") as other_worker:
        other_worker.write(b"c" * 500)
    staging.HASH_STATES.put("u1", 2000, staging.HASH_STATES.take("u1")[1])
    # when
    state = staging.prefix_state(path, "u1", 2500)
    # then
    assert state.hexdigest() == hashlib.sha256(b"a" * 1000 + b"b" * 1000 + b"c" * 500).hexdigest()


def test_state_is_rebuilt_when_missing(tmp_path: Path) -> None:
    # given
    path = tmp_path / "tus-u1"
    _receive(path, 0, b"x" * 3000)
    staging.HASH_STATES.clear()  # a restart
    # when / then
    assert staging.prefix_state(path, "u1", 3000).hexdigest() == hashlib.sha256(b"x" * 3000).hexdigest()


def test_lost_staging_bytes_make_the_upload_gone(tmp_path: Path) -> None:
    # given: the database says 100 bytes, the disk has none
    # when / then
    with pytest.raises(DomainError) as refused:
        staging.prefix_state(tmp_path / "tus-missing", "missing", 100)
    assert refused.value.code == ErrorCode.UPLOAD_GONE


def test_refused_chunk_leaves_file_and_state_unchanged(tmp_path: Path) -> None:
    # given
    path = tmp_path / "tus-u1"
    _receive(path, 0, b"good")
    wrong = Checksum(algorithm="sha256", digest=hashlib.sha256(b"not this").digest())
    # when
    with pytest.raises(DomainError) as refused:
        _receive(path, 4, b"bad!", wrong)
    # then
    assert refused.value.code == ErrorCode.CHECKSUM_MISMATCH
    assert path.read_bytes() == b"good"
    # the caller puts back the prefix; a new write past the committed offset also cuts stale tail bytes
    with open(path, "ab") as tail:
        tail.write(b"stale")
    received = _receive(path, 4, b"more")
    assert path.read_bytes() == b"goodmore"
    assert received.state.hexdigest() == hashlib.sha256(b"goodmore").hexdigest()
