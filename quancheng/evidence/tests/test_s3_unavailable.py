"""An S3 store that cannot be reached is ``storage_unavailable`` (503, JSON), never a 500 or botocore's own
exception; nothing is recorded (GEN-03: what is recorded is what was stored)."""

from __future__ import annotations

import socket

import pytest

from quancheng.core.errors import DomainError, ErrorCode
from quancheng.evidence import services
from quancheng.evidence.models import Blob, MediaObject
from quancheng.evidence.storage import StoreUnavailable, get_blob_store, stage_chunks
from quancheng.ledger.models import LedgerEntry

from . import samples


@pytest.fixture
def unreachable_s3(settings, monkeypatch) -> None:
    """The S3 backend configured with an endpoint where nothing listens (a port bound, then released)."""
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(name, value)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.QUANCHENG_BLOB_BACKEND = "s3"
    settings.QUANCHENG_S3_ENDPOINT_URL = f"http://127.0.0.1:{port}"
    settings.QUANCHENG_S3_BUCKET = "qc-unreachable"


def test_store_raises_store_unavailable(unreachable_s3) -> None:
    # when / then: an OSError of ours, not botocore's EndpointConnectionError
    with pytest.raises(StoreUnavailable):
        get_blob_store().exists("0" * 64)


def test_ingest_refuses_with_storage_unavailable_and_records_nothing(unreachable_s3, case, zhangsan) -> None:
    # given
    staged = stage_chunks(get_blob_store(), [samples.jpeg()])
    entries = LedgerEntry.objects.count()
    # when
    with pytest.raises(DomainError) as excinfo:
        services.media_ingest(actor=zhangsan, case=case, stored=staged, kind="photo", content_type="image/jpeg")
    # then
    assert excinfo.value.code == ErrorCode.STORAGE_UNAVAILABLE
    assert excinfo.value.status == 503
    assert not MediaObject.objects.exists() and not Blob.objects.exists()
    assert LedgerEntry.objects.count() == entries


def test_upload_endpoint_answers_503_json(unreachable_s3, case, zhangsan, api_client, upload) -> None:
    # when
    response = upload(api_client(zhangsan), case.pk, samples.jpeg())
    # then
    assert response.status_code == 503
    assert response.json()["code"] == "storage_unavailable"
    assert "存储服务暂时不可用" in response.json()["message"]
    assert not MediaObject.objects.exists()
