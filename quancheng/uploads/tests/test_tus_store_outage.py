"""A store outage at completion (S3 unreachable) is never a 500: the final PATCH gets 503 ``storage_unavailable``
(JSON, Chinese message), every received byte stays staged, the upload stays open, and once the store is back an
empty PATCH at the final offset (after a HEAD) records the media object (DEVICE-05: footage is not lost)."""

from __future__ import annotations

import os
import socket

import boto3
from moto.server import ThreadedMotoServer

from quancheng.evidence.models import MediaObject
from quancheng.evidence.storage import blob_key, get_blob_store
from quancheng.ledger.models import LedgerAction, LedgerEntry
from quancheng.uploads.models import Upload, UploadStatus

from .conftest import REGION, incoming_files, sha256_hex

OCTETS = {"Content-Type": "application/offset+octet-stream"}


def _closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _send_everything(http, secret: str, data: bytes, metadata: str = ""):
    headers = {"Upload-Length": str(len(data))}
    if metadata:
        headers["Upload-Metadata"] = metadata
    created = http("POST", None, secret, headers=headers)
    assert created.status_code == 201, created.content
    url = created.headers["Location"]
    return url, http("PATCH", url, secret, headers={**OCTETS, "Upload-Offset": "0"}, data=data)


def _assert_kept_open(response, data: bytes, blob_dir) -> None:
    assert response.status_code == 503, response.content
    body = response.json()
    assert body["code"] == "storage_unavailable"
    assert "存储" in body["message"]
    upload = Upload.objects.get()
    assert (upload.status, upload.offset, upload.media_id) == (UploadStatus.RECEIVING, len(data), None)
    assert [p.read_bytes() for p in incoming_files(blob_dir)] == [data]  # the staged bytes are kept
    assert not MediaObject.objects.exists()
    assert not LedgerEntry.objects.filter(action=LedgerAction.UPLOAD_FAILED).exists()


def test_s3_unreachable_at_completion_is_503_and_an_empty_patch_finishes_later(
    settings, store, zhangsan, user_token, http, blob_dir
) -> None:
    # given: every byte arrives while S3 cannot be reached (its endpoint points at a closed port)
    data = os.urandom(64 * 1024)
    secret = user_token(zhangsan)
    reachable = settings.QUANCHENG_S3_ENDPOINT_URL
    settings.QUANCHENG_S3_ENDPOINT_URL = f"http://127.0.0.1:{_closed_port()}"
    # when
    url, final = _send_everything(http, secret, data)
    # then: a JSON refusal with a stable code; nothing lost, nothing recorded
    _assert_kept_open(final, data, blob_dir)
    # when: S3 is back; the device asks where it stands and sends the empty final PATCH
    settings.QUANCHENG_S3_ENDPOINT_URL = reachable
    head = http("HEAD", url, secret)
    assert head.headers["Upload-Offset"] == str(len(data)) and "Quancheng-Media-Id" not in head.headers
    retried = http("PATCH", url, secret, headers={**OCTETS, "Upload-Offset": head.headers["Upload-Offset"]}, data=b"")
    # then: recorded once, in the bucket, nothing left on local disk
    assert retried.status_code == 204, retried.content
    media = MediaObject.objects.get()
    assert retried.headers["Quancheng-Media-Id"] == str(media.pk)
    assert media.blob_id == sha256_hex(data)
    assert get_blob_store().open(media.blob_id).read() == data
    assert Upload.objects.get().status == UploadStatus.COMPLETED
    assert incoming_files(blob_dir) == []


def test_s3_server_stopped_and_restarted(settings, zhangsan, user_token, http, blob_dir, s3_endpoint) -> None:
    # given: an S3 server of its own, with a bucket (s3_endpoint sets the credentials)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    boto3.client("s3", endpoint_url=endpoint, region_name=REGION).create_bucket(Bucket="qc-outage")
    settings.QUANCHENG_BLOB_BACKEND = "s3"
    settings.QUANCHENG_S3_ENDPOINT_URL = endpoint
    settings.QUANCHENG_S3_BUCKET = "qc-outage"
    settings.QUANCHENG_S3_REGION = REGION
    data = os.urandom(32 * 1024)
    secret = user_token(zhangsan)
    try:
        # when: the server goes down before the last byte arrives
        server.stop()
        url, final = _send_everything(http, secret, data)
        # then
        _assert_kept_open(final, data, blob_dir)
        # when: it comes back on the same address and the client retries
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        retried = http("PATCH", url, secret, headers={**OCTETS, "Upload-Offset": str(len(data))}, data=b"")
        # then
        assert retried.status_code == 204, retried.content
        media = MediaObject.objects.get()
        head = get_blob_store().client.head_object(Bucket="qc-outage", Key=blob_key(media.blob_id))  # type: ignore[attr-defined]
        assert head["ContentLength"] == len(data)
    finally:
        server.stop()
