"""The streaming upload path: hashed while written, once, in the store; refused uploads leave nothing."""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

import pytest
from django.core.files import uploadhandler
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client

from quancheng.evidence.models import Blob, MediaObject
from quancheng.evidence.storage import LocalBlobStore
from quancheng.evidence.uploads import HashingUploadHandler

from . import samples
from .conftest import sha256_hex, stored_files


def _nothing_written(blob_dir: Path, ledger_size, before: int) -> None:
    assert ledger_size() == before
    assert not Blob.objects.exists()
    assert not MediaObject.objects.exists()
    assert stored_files(blob_dir) == []  # neither a blob nor a temp file in incoming


def test_large_upload_is_hashed_while_written_without_second_copy(
    case, zhangsan, api_client, upload, blob_dir, settings, monkeypatch
) -> None:
    """A file above FILE_UPLOAD_MAX_MEMORY_SIZE goes straight to the store's staging file: Django's own
    handlers (memory / temp file) never see it, and the stored blob is that very staged file (same inode)."""
    # given
    data = os.urandom(settings.FILE_UPLOAD_MAX_MEMORY_SIZE + 300_000)
    for name in ("MemoryFileUploadHandler", "TemporaryFileUploadHandler"):
        monkeypatch.setattr(
            getattr(uploadhandler, name), "receive_data_chunk", lambda *a: pytest.fail("Django's handler got bytes")
        )
    staged_inodes: list[int] = []
    writes: list[int] = []
    real_file_complete = HashingUploadHandler.file_complete
    real_receive = HashingUploadHandler.receive_data_chunk

    def spy_receive(self, raw_data, start):
        writes.append(len(raw_data))
        return real_receive(self, raw_data, start)

    def spy_file_complete(self, file_size):
        uploaded = real_file_complete(self, file_size)
        staged_inodes.append(uploaded.staged.path.stat().st_ino)
        return uploaded

    monkeypatch.setattr(HashingUploadHandler, "receive_data_chunk", spy_receive)
    monkeypatch.setattr(HashingUploadHandler, "file_complete", spy_file_complete)
    client = api_client(zhangsan)
    # when
    # (a document: random bytes are no video, and this is about the bytes' path, not what they are)
    response = upload(
        client, case.pk, data, kind="document", name="执法记录仪导出.bin", content_type="application/octet-stream"
    )
    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["sha256"] == hashlib.sha256(data).hexdigest()
    assert body["size"] == len(data)
    assert sum(writes) == len(data)  # every byte passed through the hashing writer exactly once
    final = LocalBlobStore(blob_dir).path(body["sha256"])
    assert final.read_bytes() == data
    assert [final.stat().st_ino] == staged_inodes  # renamed into place, not copied
    assert stored_files(blob_dir) == [final]  # nothing left in incoming


def test_oversize_upload_is_refused_with_nothing_written(
    case, zhangsan, api_client, upload, blob_dir, settings, ledger_size
) -> None:
    # given: a limit below the file, but a body small enough to get past the Content-Length pre-check
    settings.QUANCHENG_MAX_UPLOAD_BYTES = 100_000
    client = api_client(zhangsan)
    before = ledger_size()
    # when
    response = upload(client, case.pk, b"v" * 100_001, kind="video")
    # then
    assert response.status_code == 413
    assert response.json()["code"] == "upload_too_large"
    _nothing_written(blob_dir, ledger_size, before)


def test_upload_at_the_limit_is_accepted(case, zhangsan, api_client, upload, settings) -> None:
    settings.QUANCHENG_MAX_UPLOAD_BYTES = 100_000
    response = upload(
        api_client(zhangsan), case.pk, b"v" * 100_000, kind="document", content_type="application/octet-stream"
    )
    assert response.status_code == 201
    assert response.json()["size"] == 100_000


def test_oversize_body_is_refused_before_reading(
    case, zhangsan, api_client, upload, blob_dir, settings, ledger_size, monkeypatch
) -> None:
    # given: Content-Length alone shows the file cannot fit
    settings.QUANCHENG_MAX_UPLOAD_BYTES = 1000
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    monkeypatch.setattr("quancheng.evidence.uploads.MULTIPART_OVERHEAD", 1000)
    monkeypatch.setattr(HashingUploadHandler, "new_file", lambda *a, **k: pytest.fail("the body was parsed"))
    client = api_client(zhangsan)
    before = ledger_size()
    # when
    response = upload(client, case.pk, b"v" * 5000)
    # then
    assert response.status_code == 413
    assert response.json()["code"] == "upload_too_large"
    _nothing_written(blob_dir, ledger_size, before)


@pytest.mark.parametrize(
    "declare",
    [
        lambda digest: {"fields": {"sha256": digest}},
        lambda digest: {"headers": {"X-Content-SHA256": digest}},
        lambda digest: {"headers": {"Digest": "sha-256=" + base64.b64encode(bytes.fromhex(digest)).decode()}},
    ],
    ids=["form-field", "x-content-sha256", "digest-header"],
)
def test_declared_digest_mismatch_is_refused(case, zhangsan, api_client, upload, blob_dir, ledger_size, declare):
    # given
    client = api_client(zhangsan)
    before = ledger_size()
    # when
    response = upload(client, case.pk, b"what arrived", **declare(sha256_hex(b"what was sent")))
    # then
    assert response.status_code == 422
    assert response.json()["code"] == "digest_mismatch"
    _nothing_written(blob_dir, ledger_size, before)


def test_declared_digest_that_matches_is_accepted(case, zhangsan, api_client, upload) -> None:
    data = samples.jpeg()
    digest = sha256_hex(data)
    response = upload(
        api_client(zhangsan),
        case.pk,
        data,
        fields={"sha256": digest.upper()},
        headers={"Digest": "sha-256=" + base64.b64encode(bytes.fromhex(digest)).decode()},
    )
    assert response.status_code == 201
    assert response.json()["sha256"] == digest


def test_malformed_declared_digest_is_refused(case, zhangsan, api_client, upload, blob_dir, ledger_size) -> None:
    client = api_client(zhangsan)
    before = ledger_size()
    response = upload(client, case.pk, b"data", headers={"X-Content-SHA256": "not-hex"})
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    _nothing_written(blob_dir, ledger_size, before)


def test_missing_file_is_refused(case, zhangsan, api_client, blob_dir, ledger_size) -> None:
    client = api_client(zhangsan)
    before = ledger_size()
    response = client.post(f"/api/v1/cases/{case.pk}/media", data={"kind": "photo"})
    assert response.status_code == 400
    assert response.json()["code"] == "upload_missing_file"
    _nothing_written(blob_dir, ledger_size, before)


def test_empty_file_is_refused(case, zhangsan, api_client, upload, blob_dir, ledger_size) -> None:
    client = api_client(zhangsan)
    before = ledger_size()
    response = upload(client, case.pk, b"")
    assert response.status_code == 400
    assert response.json()["code"] == "upload_missing_file"
    _nothing_written(blob_dir, ledger_size, before)


def test_two_files_are_refused(case, zhangsan, api_client, blob_dir, ledger_size, tmp_path) -> None:
    # given
    first, second = tmp_path / "a.jpg", tmp_path / "b.jpg"
    first.write_bytes(b"a" * 10)
    second.write_bytes(b"b" * 10)
    client = api_client(zhangsan)
    before = ledger_size()
    # when
    with first.open("rb") as a, second.open("rb") as b:
        response = client.post(f"/api/v1/cases/{case.pk}/media", data={"kind": "photo", "file": a, "other": b})
    # then
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    _nothing_written(blob_dir, ledger_size, before)


def test_bad_form_field_is_refused_and_the_upload_removed(case, zhangsan, api_client, upload, blob_dir, ledger_size):
    client = api_client(zhangsan)
    before = ledger_size()
    response = upload(client, case.pk, b"data", kind="hologram", fields={"record_id": "abc"})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert {tuple(err["loc"]) for err in body["errors"]} == {("form", "kind"), ("form", "record_id")}
    _nothing_written(blob_dir, ledger_size, before)


def test_unauthenticated_upload_is_refused_unread(case, upload, blob_dir, ledger_size, monkeypatch) -> None:
    monkeypatch.setattr(HashingUploadHandler, "new_file", lambda *a, **k: pytest.fail("the body was parsed"))
    before = ledger_size()
    response = upload(Client(), case.pk, b"data")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    _nothing_written(blob_dir, ledger_size, before)


def test_bad_token_is_refused_and_nothing_kept(case, upload, blob_dir, ledger_size) -> None:
    before = ledger_size()
    response = upload(Client(HTTP_AUTHORIZATION="Bearer qc_nope_nope"), case.pk, b"data")
    assert response.status_code == 401
    _nothing_written(blob_dir, ledger_size, before)


def test_session_upload_with_csrf_token_works(case, zhangsan, upload) -> None:
    """Browser sessions: the CSRF check reads the body, which the hashing handler is already installed for."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(zhangsan)
    token = _get_new_csrf_string()
    client.cookies["csrftoken"] = token
    response = upload(client, case.pk, samples.jpeg(), headers={"X-CSRFToken": token})
    assert response.status_code == 201, response.content
    assert response.json()["sha256"] == sha256_hex(samples.jpeg())


def test_session_upload_without_csrf_token_is_refused(case, zhangsan, upload, blob_dir, ledger_size) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(zhangsan)
    before = ledger_size()
    response = upload(client, case.pk, b"session bytes")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    _nothing_written(blob_dir, ledger_size, before)


def test_body_cut_off_inside_the_file_leaves_nothing(case, zhangsan, api_client, blob_dir, ledger_size) -> None:
    """The client goes away mid-file: the partial bytes are dropped, the request refused."""
    # given: a multipart body that ends inside the file part (no closing boundary)
    client = api_client(zhangsan)
    before = ledger_size()
    body = (
        b'--cut\r\nContent-Disposition: form-data; name="kind"\r\n\r\nvideo\r\n'
        b'--cut\r\nContent-Disposition: form-data; name="file"; filename="a.mp4"\r\n'
        b"Content-Type: video/mp4\r\n\r\n" + b"partial" * 1000
    )
    # when
    response = client.post(
        f"/api/v1/cases/{case.pk}/media", data=body, content_type="multipart/form-data; boundary=cut"
    )
    # then
    assert response.status_code == 400
    assert response.json()["code"] == "upload_missing_file"
    _nothing_written(blob_dir, ledger_size, before)


def test_malformed_multipart_is_bad_input(case, zhangsan, api_client, blob_dir, ledger_size) -> None:
    client = api_client(zhangsan)
    before = ledger_size()
    response = client.post(f"/api/v1/cases/{case.pk}/media", data=b"garbage", content_type="multipart/form-data")
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    _nothing_written(blob_dir, ledger_size, before)


def test_too_many_form_fields_is_bad_input(case, zhangsan, api_client, upload, blob_dir, ledger_size, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 2
    client = api_client(zhangsan)
    before = ledger_size()
    response = upload(client, case.pk, b"data", fields={"a": "1", "b": "2", "c": "3", "d": "4"})
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    _nothing_written(blob_dir, ledger_size, before)
