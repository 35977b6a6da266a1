"""The content-addressed local store: staged writes, atomic commit, one copy per content (INTEGRITY-01/02)."""

from __future__ import annotations

from pathlib import Path

import pytest

from quancheng.evidence.storage import BlobTooLarge, LocalBlobStore, blob_key, stage_chunks

from .conftest import sha256_hex, stored_files


def test_put_chunks_stores_under_sha256_key(tmp_path: Path) -> None:
    # given
    store = LocalBlobStore(tmp_path)
    data = b"\x00\x01" * 5000
    # when
    stored = store.put_chunks([data[:3000], data[3000:]])
    # then
    assert stored.sha256 == sha256_hex(data)
    assert stored.size == len(data)
    assert blob_key(stored.sha256) == f"sha256/{stored.sha256[:2]}/{stored.sha256[2:4]}/{stored.sha256}"
    assert store.path(stored.sha256).read_bytes() == data
    assert store.exists(stored.sha256)
    assert stored_files(tmp_path) == [store.path(stored.sha256)]  # no temp file left in incoming


def test_same_content_is_stored_once(tmp_path: Path) -> None:
    # given
    store = LocalBlobStore(tmp_path)
    first = store.put_chunks([b"same bytes"])
    # when
    second = store.put_chunks([b"same ", b"bytes"])
    # then
    assert first == second
    assert stored_files(tmp_path) == [store.path(first.sha256)]


def test_commit_renames_the_staged_file_without_copying(tmp_path: Path) -> None:
    # given
    store = LocalBlobStore(tmp_path)
    staged = stage_chunks(store, [b"footage" * 1000])
    inode = staged.path.stat().st_ino
    # when
    stored = store.commit(staged)
    # then: the very file that was hashed while written is now the blob
    assert store.path(stored.sha256).stat().st_ino == inode
    assert not staged.path.exists()


def test_too_many_bytes_leave_nothing(tmp_path: Path) -> None:
    # given
    store = LocalBlobStore(tmp_path)
    # when
    with pytest.raises(BlobTooLarge):
        store.put_chunks([b"x" * 600, b"x" * 600], max_bytes=1000)
    # then
    assert stored_files(tmp_path) == []


def test_failed_chunk_source_leaves_nothing(tmp_path: Path) -> None:
    # given
    store = LocalBlobStore(tmp_path)

    def broken():
        yield b"partial"
        raise ConnectionError("client went away")

    # when
    with pytest.raises(ConnectionError):
        store.put_chunks(broken())
    # then
    assert stored_files(tmp_path) == []


def test_open_missing_blob_raises_file_not_found(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    assert not store.exists("0" * 64)
    with pytest.raises(FileNotFoundError):
        store.open("0" * 64)


def test_open_range_reads_the_inclusive_window(tmp_path: Path) -> None:
    # given
    store = LocalBlobStore(tmp_path)
    data = bytes(range(256)) * 40
    stored = store.put_chunks([data])
    # when / then: HTTP Range semantics, both ends inclusive
    with store.open_range(stored.sha256, 100, 199) as stream:
        assert stream.read(30) == data[100:130]
        assert stream.read() == data[130:200]
        assert stream.read() == b""
    # past the end gives fewer bytes, a start past the end none
    with store.open_range(stored.sha256, len(data) - 5, len(data) + 100) as stream:
        assert stream.read() == data[-5:]
    with store.open_range(stored.sha256, len(data), len(data) + 10) as stream:
        assert stream.read() == b""


def test_open_range_refuses_bad_ranges_and_missing_blobs(tmp_path: Path) -> None:
    # given
    store = LocalBlobStore(tmp_path)
    stored = store.put_chunks([b"0123456789"])
    # when / then
    with pytest.raises(ValueError):
        store.open_range(stored.sha256, 5, 4)
    with pytest.raises(ValueError):
        store.open_range(stored.sha256, -1, 4)
    with pytest.raises(FileNotFoundError):
        store.open_range("0" * 64, 0, 4)
