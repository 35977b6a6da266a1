"""The S3 backend against a real (moto) S3 server: streamed multipart upload, streaming reads, end to end."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer

from quancheng.evidence import s3 as s3_module
from quancheng.evidence.models import Blob
from quancheng.evidence.s3 import S3BlobStore
from quancheng.evidence.storage import CHUNK, blob_key, get_blob_store, stage_chunks

from .conftest import sha256_hex, stored_files

REGION = "us-east-1"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """A moto S3 server on a free local port, with throw-away credentials in the usual AWS variables."""
    with pytest.MonkeyPatch.context() as mp:
        for name, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": REGION,
        }.items():
            mp.setenv(name, value)
        mp.setenv("NO_PROXY", ",".join(filter(None, [os.environ.get("NO_PROXY"), "127.0.0.1", "localhost"])))
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        try:
            yield f"http://{host}:{port}"
        finally:
            server.stop()


@pytest.fixture
def bucket(s3_endpoint: str) -> str:
    name = f"qc-test-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=s3_endpoint, region_name=REGION).create_bucket(Bucket=name)
    return name


@pytest.fixture
def s3_settings(settings, s3_endpoint: str, bucket: str):
    settings.QUANCHENG_BLOB_BACKEND = "s3"
    settings.QUANCHENG_S3_ENDPOINT_URL = s3_endpoint
    settings.QUANCHENG_S3_BUCKET = bucket
    settings.QUANCHENG_S3_REGION = REGION
    return settings


@pytest.fixture
def store(s3_settings) -> S3BlobStore:
    found = get_blob_store()
    assert isinstance(found, S3BlobStore)
    return found


def test_commit_streams_a_large_file_in_parts_one_at_a_time(store: S3BlobStore, blob_dir: Path, monkeypatch) -> None:
    # given: more than one part's worth of bytes, staged (hashed) on local disk
    data = os.urandom(s3_module.PART_SIZE + CHUNK)
    staged = stage_chunks(store, (data[i : i + CHUNK] for i in range(0, len(data), CHUNK)))
    part_sizes: list[int] = []
    real_upload_part = store.client.upload_part

    def spy_upload_part(**kwargs):
        part_sizes.append(len(kwargs["Body"]))
        return real_upload_part(**kwargs)

    monkeypatch.setattr(store.client, "upload_part", spy_upload_part)
    # when
    stored = store.commit(staged)
    # then: a multipart upload of two parts, none larger than PART_SIZE (the memory a commit needs)
    assert stored.sha256 == sha256_hex(data)
    assert part_sizes == [s3_module.PART_SIZE, CHUNK]
    head = store.client.head_object(Bucket=store.bucket, Key=blob_key(stored.sha256))
    assert head["ContentLength"] == len(data)
    assert head["ETag"].strip('"').endswith("-2")
    assert head["Metadata"] == {"sha256": stored.sha256}
    assert store.exists(stored.sha256)
    with store.open(stored.sha256) as stream:
        assert b"".join(iter(lambda: stream.read(CHUNK), b"")) == data
    assert stored_files(blob_dir) == []  # the staged temp file is gone
    assert store.client.list_multipart_uploads(Bucket=store.bucket).get("Uploads", []) == []


def test_failed_multipart_commit_is_aborted(store: S3BlobStore, blob_dir: Path, monkeypatch) -> None:
    # given: the second part fails to upload
    data = os.urandom(s3_module.PART_SIZE + CHUNK)
    staged = stage_chunks(store, [data])
    real_upload_part = store.client.upload_part

    def failing_upload_part(**kwargs):
        if kwargs["PartNumber"] == 2:
            raise OSError("connection reset")
        return real_upload_part(**kwargs)

    monkeypatch.setattr(store.client, "upload_part", failing_upload_part)
    # when
    with pytest.raises(OSError):
        store.commit(staged)
    # then: no object, no dangling multipart upload, no staged file
    assert not store.exists(staged.sha256)
    assert store.client.list_multipart_uploads(Bucket=store.bucket).get("Uploads", []) == []
    assert stored_files(blob_dir) == []


def test_small_blob_is_one_put(store: S3BlobStore) -> None:
    # given
    data = b"short clip"
    # when
    stored = store.put_chunks([data])
    # then
    head = store.client.head_object(Bucket=store.bucket, Key=blob_key(stored.sha256))
    assert "-" not in head["ETag"].strip('"')
    assert head["ContentLength"] == len(data)


def test_open_range_reads_the_inclusive_window(store: S3BlobStore) -> None:
    # given
    data = bytes(range(256)) * 40
    stored = store.put_chunks([data])
    # when / then: HTTP Range semantics, both ends inclusive; past the end gives fewer bytes, then none
    with store.open_range(stored.sha256, 100, 199) as stream:
        assert stream.read() == data[100:200]
    with store.open_range(stored.sha256, len(data) - 5, len(data) + 100) as stream:
        assert stream.read() == data[-5:]
    assert store.open_range(stored.sha256, len(data), len(data) + 10).read() == b""
    with pytest.raises(FileNotFoundError):
        store.open_range("0" * 64, 0, 10)
    with pytest.raises(ValueError):
        store.open_range(stored.sha256, 10, 9)


def test_same_content_is_uploaded_once(store: S3BlobStore, monkeypatch) -> None:
    # given
    first = store.put_chunks([b"same bytes"])
    calls: list[str] = []
    monkeypatch.setattr(store.client, "put_object", lambda *a, **k: calls.append("upload"))
    monkeypatch.setattr(store.client, "create_multipart_upload", lambda *a, **k: calls.append("upload"))
    # when
    second = store.put_chunks([b"same ", b"bytes"])
    # then
    assert first == second
    assert calls == []


def test_missing_object(store: S3BlobStore) -> None:
    assert not store.exists("0" * 64)
    with pytest.raises(FileNotFoundError):
        store.open("0" * 64)


def test_upload_and_download_end_to_end_on_s3(s3_settings, store, case, zhangsan, api_client, upload, blob_dir):
    # given
    data = os.urandom(300_000)
    client = api_client(zhangsan)
    # when
    # (a document: random bytes are no video, and the probe checks content)
    created = upload(client, case.pk, data, kind="document", name="记录仪导出.bin", content_type="application/zip")
    # then: stored in the bucket under its digest, nothing kept on local disk
    assert created.status_code == 201, created.content
    sha = created.json()["sha256"]
    assert sha == sha256_hex(data)
    assert Blob.objects.get(pk=sha).size == len(data)
    obj = store.client.get_object(Bucket=store.bucket, Key=blob_key(sha))
    assert obj["Body"].read() == data
    assert stored_files(blob_dir) == []
    # when: downloaded through the API
    download = client.get(created.json()["content_url"] + "?purpose=case_handling")
    # then
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == data
    assert download["ETag"] == f'"{sha}"'
    assert download["Content-Length"] == str(len(data))
    assert download["Content-Type"] == "application/zip"


def test_oversize_upload_leaves_nothing_on_s3(
    s3_settings, store, case, zhangsan, api_client, upload, blob_dir, ledger_size
) -> None:
    # given
    s3_settings.QUANCHENG_MAX_UPLOAD_BYTES = 10_000
    client = api_client(zhangsan)
    before = ledger_size()
    # when
    response = upload(client, case.pk, b"x" * 10_001)
    # then
    assert response.status_code == 413
    assert ledger_size() == before
    assert store.client.list_objects_v2(Bucket=store.bucket).get("KeyCount", 0) == 0
    assert stored_files(blob_dir) == []
