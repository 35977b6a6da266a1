"""A SHA-256 declared by the device must match what arrived, or the upload fails with a clear error (460 and a
JSON code + Chinese message) and nothing is stored (INTEGRITY-01)."""

from __future__ import annotations

import os

import pytest
from tusclient.exceptions import TusUploadFailed

from quancheng.evidence.models import Blob, MediaObject
from quancheng.ledger.models import LedgerAction
from quancheng.uploads.models import Upload, UploadStatus

from .conftest import incoming_files, sha256_hex


def test_declared_hash_mismatch_fails_the_upload_and_stores_nothing(
    zhangsan, case, make_file, user_token, tus_client, uploader, http, ledger_of, blob_dir
) -> None:
    # given: a device that declares the digest of other bytes
    data = os.urandom(20_000)
    path = make_file(data)
    secret = user_token(zhangsan)
    declared = sha256_hex(b"other bytes")
    tus = uploader(tus_client(secret), path, {"case_id": str(case.pk), "sha256": declared}, chunk_size=8192)
    # when: every chunk arrives intact (chunk checksums match), but the whole does not match the declaration
    with pytest.raises(TusUploadFailed) as refused:
        tus.upload()
    # then: the final PATCH is refused with 460 and a clear error
    assert refused.value.status_code == 460
    body = refused.value.response_content.decode("utf-8")
    assert '"code": "digest_mismatch"' in body and declared in body and sha256_hex(data) in body
    # and: nothing stored, the upload failed (and says why), its bytes are gone
    assert not Blob.objects.exists() and not MediaObject.objects.exists()
    upload = Upload.objects.get()
    assert (upload.status, upload.error_code, upload.sha256) == (
        UploadStatus.FAILED,
        "digest_mismatch",
        sha256_hex(data),
    )
    assert "不一致" in upload.error_message
    assert incoming_files(blob_dir) == []
    assert [a for a, _ in ledger_of(f"upload:{upload.pk}")] == [LedgerAction.UPLOAD_CREATED, LedgerAction.UPLOAD_FAILED]
    assert http("HEAD", tus.url, secret).status_code == 410
    assert http("GET", tus.url, secret).json()["error"]["code"] == "digest_mismatch"


def test_malformed_declared_hash_is_refused_at_creation(zhangsan, case, user_token, http) -> None:
    # given / when
    response = http(
        "POST",
        None,
        user_token(zhangsan),
        headers={"Upload-Length": "10", "Upload-Metadata": "sha256 bm90LWEtaGFzaA=="},
    )
    # then
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert not Upload.objects.exists()
