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


def test_commit_streams_a_large_file_in_parts(store: S3BlobStore, blob_dir: Path, monkeypatch) -> None:
    # given: more than one part's worth of bytes, staged (hashed) on local disk
    data = os.urandom(s3_module.TRANSFER.multipart_chunksize + CHUNK)
    staged = stage_chunks(store, (data[i : i + CHUNK] for i in range(0, len(data), CHUNK)))
    sources: list[object] = []
    real_upload = store.client.upload_fileobj

    def spy_upload(fileobj, *args, **kwargs):
        sources.append(fileobj)
        return real_upload(fileobj, *args, **kwargs)

    monkeypatch.setattr(store.client, "upload_fileobj", spy_upload)
    # when
    stored = store.commit(staged)
    # then: uploaded from the staged file object (never a bytes copy), as a multipart upload of two parts
    assert stored.sha256 == sha256_hex(data)
    assert len(sources) == 1 and hasattr(sources[0], "fileno")
    head = store.client.head_object(Bucket=store.bucket, Key=blob_key(stored.sha256))
    assert head["ContentLength"] == len(data)
    assert head["ETag"].strip('"').endswith("-2")
    assert head["Metadata"] == {"sha256": stored.sha256}
    assert store.exists(stored.sha256)
    with store.open(stored.sha256) as stream:
        assert b"".join(iter(lambda: stream.read(CHUNK), b"")) == data
    assert stored_files(blob_dir) == []  # the staged temp file is gone


def test_same_content_is_uploaded_once(store: S3BlobStore, monkeypatch) -> None:
    # given
    first = store.put_chunks([b"same bytes"])
    calls: list[str] = []
    monkeypatch.setattr(store.client, "upload_fileobj", lambda *a, **k: calls.append("upload"))
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
    created = upload(client, case.pk, data, kind="video", name="记录仪.mp4", content_type="video/mp4")
    # then: stored in the bucket under its digest, nothing kept on local disk
    assert created.status_code == 201, created.content
    sha = created.json()["sha256"]
    assert sha == sha256_hex(data)
    assert Blob.objects.get(pk=sha).size == len(data)
    obj = store.client.get_object(Bucket=store.bucket, Key=blob_key(sha))
    assert obj["Body"].read() == data
    assert stored_files(blob_dir) == []
    # when: downloaded through the API
    download = client.get(created.json()["content_url"])
    # then
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == data
    assert download["ETag"] == f'"{sha}"'
    assert download["Content-Length"] == str(len(data))
    assert download["Content-Type"] == "video/mp4"


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
