"""tus expiration: an unfinished upload announces Upload-Expires, is refused with 410 once expired, and the
cleanup (``quancheng uploads-expire`` / ``uploads_expire_due``) removes its bytes and ledgers the expiry."""

from __future__ import annotations

import io
from datetime import timedelta
from email.utils import parsedate_to_datetime

from django.core.management import call_command
from django.utils import timezone

from quancheng.ledger.models import LedgerAction
from quancheng.uploads.models import Upload, UploadStatus
from quancheng.uploads.services import uploads_expire_due
from quancheng.uploads.staging import staging_path

PATCH_HEADERS = {"Content-Type": "application/offset+octet-stream"}


def _started_upload(http, secret: str) -> tuple[str, Upload]:
    created = http("POST", None, secret, headers={"Upload-Length": "1000"})
    url = created.headers["Location"]
    http("PATCH", url, secret, headers={"Upload-Offset": "0", **PATCH_HEADERS}, data=b"z" * 100)
    return url, Upload.objects.get()


def test_unfinished_upload_announces_its_expiry(settings, zhangsan, user_token, http) -> None:
    # given
    secret = user_token(zhangsan)
    # when
    created = http("POST", None, secret, headers={"Upload-Length": "1000"})
    # then: Upload-Expires (RFC 9110 date) at the configured distance, restarted by every chunk
    expires = parsedate_to_datetime(created.headers["Upload-Expires"])
    expected = timezone.now() + timedelta(seconds=settings.QUANCHENG_TUS_EXPIRY_SECONDS)
    assert abs((expires - expected).total_seconds()) < 120
    patched = http(
        "PATCH", created.headers["Location"], secret, headers={"Upload-Offset": "0", **PATCH_HEADERS}, data=b"z"
    )
    assert "Upload-Expires" in patched.headers


def test_expired_upload_is_refused_and_cleaned_up(zhangsan, user_token, http, ledger_of, blob_dir) -> None:
    # given: an unfinished upload with bytes on disk, past its expiry
    secret = user_token(zhangsan)
    url, upload = _started_upload(http, secret)
    path = staging_path(blob_dir / "incoming", upload.pk)
    assert path.stat().st_size == 100
    Upload.objects.filter(pk=upload.pk).update(expires_at=timezone.now() - timedelta(seconds=1))  # test set-up
    # when: the device tries to continue
    response = http("PATCH", url, secret, headers={"Upload-Offset": "100", **PATCH_HEADERS}, data=b"z" * 100)
    # then: 410 Gone, and the expiry is carried out on sight
    assert response.status_code == 410
    assert response.json()["code"] == "upload_gone"
    assert http("HEAD", url, secret).status_code == 410
    upload.refresh_from_db()
    assert upload.status == UploadStatus.EXPIRED
    assert not path.exists()
    assert [a for a, _ in ledger_of(f"upload:{upload.pk}")] == [
        LedgerAction.UPLOAD_CREATED,
        LedgerAction.UPLOAD_EXPIRED,
    ]


def test_cleanup_command_expires_due_uploads_and_orphans(zhangsan, user_token, http, ledger_of, blob_dir) -> None:
    # given: one expired upload, one still valid, and a staging file that belongs to no upload (left by a crash)
    secret = user_token(zhangsan)
    _url, expired = _started_upload(http, secret)
    Upload.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(minutes=1))  # test set-up
    created = http("POST", None, secret, headers={"Upload-Length": "50"})
    valid = Upload.objects.exclude(pk=expired.pk).get()
    http("PATCH", created.headers["Location"], secret, headers={"Upload-Offset": "0", **PATCH_HEADERS}, data=b"v")
    orphan = blob_dir / "incoming" / "tus-00000000-0000-0000-0000-000000000000"
    orphan.write_bytes(b"left over")
    out = io.StringIO()
    # when
    call_command("uploads-expire", stdout=out)
    # then
    assert "expired 1 uploads, removed 1 orphaned staging files" in out.getvalue()
    expired.refresh_from_db()
    valid.refresh_from_db()
    assert (expired.status, valid.status) == (UploadStatus.EXPIRED, UploadStatus.RECEIVING)
    assert not staging_path(blob_dir / "incoming", expired.pk).exists()
    assert staging_path(blob_dir / "incoming", valid.pk).exists()
    assert not orphan.exists()
    assert ledger_of(f"upload:{expired.pk}")[-1] == (LedgerAction.UPLOAD_EXPIRED, "system")
    # and: running it again finds nothing to do
    report = uploads_expire_due()
    assert (report.expired, report.orphans_removed) == (0, 0)
