"""The same resumable flow on S3-compatible storage (moto's S3 server, started here): the finished staging file
goes to the bucket as a multipart upload in 8 MiB parts, nothing stays on local disk, a resume works the same."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import boto3
import pytest
from moto.server import ThreadedMotoServer

from quancheng.evidence import s3 as s3_module
from quancheng.evidence.models import Blob, MediaObject
from quancheng.evidence.s3 import S3BlobStore
from quancheng.evidence.storage import blob_key, get_blob_store
from quancheng.uploads.models import Upload, UploadStatus
from quancheng.uploads.staging import HASH_STATES

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
def store(settings, s3_endpoint: str) -> S3BlobStore:
    bucket = f"qc-tus-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=s3_endpoint, region_name=REGION).create_bucket(Bucket=bucket)
    settings.QUANCHENG_BLOB_BACKEND = "s3"
    settings.QUANCHENG_S3_ENDPOINT_URL = s3_endpoint
    settings.QUANCHENG_S3_BUCKET = bucket
    settings.QUANCHENG_S3_REGION = REGION
    found = get_blob_store()
    assert isinstance(found, S3BlobStore)
    return found


def test_large_upload_resumed_and_stored_on_s3_in_parts(
    store, zhangsan, case, make_file, user_token, tus_client, uploader, blob_dir
) -> None:
    # given: a file larger than one S3 part, half sent before an interruption and a server restart
    data = os.urandom(s3_module.PART_SIZE + 1024 * 1024)
    path = make_file(data, "卷宗扫描.bin")
    secret = user_token(zhangsan)
    metadata = {"filename": path.name, "case_id": str(case.pk), "sha256": sha256_hex(data)}
    chunk = 2 * 1024 * 1024
    first = uploader(tus_client(secret), path, metadata, chunk_size=chunk)
    first.upload(stop_at=2 * chunk)
    HASH_STATES.clear()
    # when: resumed by a new client
    second = uploader(tus_client(secret), path, metadata, chunk_size=chunk, url=first.url)
    assert second.offset == 2 * chunk
    second.upload()
    # then: in the bucket under its digest, as a two-part multipart object
    digest = sha256_hex(data)
    media = MediaObject.objects.get(pk=int(second.request.response_headers["quancheng-media-id"]))
    assert (media.blob_id, media.case_id) == (digest, case.pk)
    assert Blob.objects.get(pk=digest).size == len(data)
    head = store.client.head_object(Bucket=store.bucket, Key=blob_key(digest))
    assert head["ContentLength"] == len(data)
    assert head["ETag"].strip('"').endswith("-2")
    assert store.client.get_object(Bucket=store.bucket, Key=blob_key(digest))["Body"].read() == data
    # and: nothing kept on local disk
    assert stored_files(blob_dir) == []
    assert Upload.objects.get().status == UploadStatus.COMPLETED


def test_video_upload_on_s3(store, zhangsan, case, video_file, user_token, tus_client, uploader, blob_dir) -> None:
    # given
    metadata = {"filename": video_file.name, "filetype": "video/mp4", "case_id": str(case.pk)}
    # when
    tus = uploader(tus_client(user_token(zhangsan)), video_file, metadata, chunk_size=10 * 1024)
    tus.upload()
    # then: probed and stored in the bucket like any other
    media = MediaObject.objects.get(pk=int(tus.request.response_headers["quancheng-media-id"]))
    assert media.kind == "video"
    assert store.exists(sha256_hex(video_file.read_bytes()))
    assert stored_files(blob_dir) == []
