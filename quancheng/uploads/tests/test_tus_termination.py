"""tus termination: DELETE ends an unfinished upload and removes its bytes (ledgered); a finished upload cannot
be terminated (its media object is a record)."""

from __future__ import annotations

import os

from quancheng.evidence.models import MediaObject
from quancheng.ledger.models import LedgerAction
from quancheng.uploads.models import Upload, UploadStatus
from quancheng.uploads.staging import staging_path

PATCH_HEADERS = {"Content-Type": "application/offset+octet-stream"}


def test_delete_terminates_an_unfinished_upload(zhangsan, user_token, http, ledger_of, blob_dir) -> None:
    # given: an upload with bytes received
    secret = user_token(zhangsan)
    url = http("POST", None, secret, headers={"Upload-Length": "500"}).headers["Location"]
    http("PATCH", url, secret, headers={"Upload-Offset": "0", **PATCH_HEADERS}, data=b"t" * 200)
    upload = Upload.objects.get()
    assert staging_path(blob_dir / "incoming", upload.pk).exists()
    # when
    response = http("DELETE", url, secret)
    # then
    assert response.status_code == 204
    assert response.headers["Tus-Resumable"] == "1.0.0"
    upload.refresh_from_db()
    assert upload.status == UploadStatus.TERMINATED
    assert not staging_path(blob_dir / "incoming", upload.pk).exists()
    assert [a for a, _ in ledger_of(f"upload:{upload.pk}")] == [
        LedgerAction.UPLOAD_CREATED,
        LedgerAction.UPLOAD_TERMINATED,
    ]
    # and: the upload is gone for tus
    assert http("HEAD", url, secret).status_code == 410
    patched = http("PATCH", url, secret, headers={"Upload-Offset": "200", **PATCH_HEADERS}, data=b"t")
    assert patched.status_code == 410
    assert http("DELETE", url, secret).status_code == 410


def test_a_finished_upload_cannot_be_terminated(zhangsan, case, make_file, user_token, tus_client, uploader, http):
    # given
    secret = user_token(zhangsan)
    tus = uploader(tus_client(secret), make_file(os.urandom(3000)), {"case_id": str(case.pk)}, chunk_size=1000)
    tus.upload()
    # when
    response = http("DELETE", tus.url, secret)
    # then
    assert response.status_code == 409
    assert response.json()["code"] == "transition_not_allowed"
    assert Upload.objects.get().status == UploadStatus.COMPLETED
    assert MediaObject.objects.count() == 1
