"""A 执法记录仪 uploads with its own device token (DEVICE-05): the upload and the media object are attributed to
the device, the ledger names ``device:<pk>`` as actor; a revoked token uploads nothing."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from tusclient.exceptions import TusCommunicationError

from quancheng.evidence.models import MediaObject
from quancheng.ledger.models import LedgerAction
from quancheng.uploads.models import DeviceToken, Upload, UploadStatus

from .conftest import sha256_hex


def test_device_uploads_footage_with_its_own_token(case, device, video_file, tus_client, uploader, ledger_of) -> None:
    # given: a token issued with the command (the secret is printed once)
    out = io.StringIO()
    call_command("device-token", "create", "--serial", device.serial, "--name", "车载上传", stdout=out)
    secret = out.getvalue().strip()
    assert secret.startswith("qcd_")
    token = DeviceToken.objects.get()
    assert token.device_id == device.pk and token.token_hash != secret
    # when: the device uploads footage of the case, with a stage
    metadata = {
        "filename": video_file.name,
        "filetype": "video/mp4",
        "case_id": str(case.pk),
        "stage": case.stage,
        "sha256": sha256_hex(video_file.read_bytes()),
    }
    tus = uploader(tus_client(secret), video_file, metadata, chunk_size=12 * 1024)
    tus.upload()
    # then: attributed to the device (and, being a body camera, it is the capture device too)
    media = MediaObject.objects.get(pk=int(tus.request.response_headers["quancheng-media-id"]))
    assert media.uploaded_by_id is None
    assert media.uploaded_by_device_id == device.pk
    assert media.device_id == device.pk
    assert media.case_id == case.pk
    upload = Upload.objects.get()
    assert (upload.uploader_device_id, upload.uploaded_by_id, upload.status) == (
        device.pk,
        None,
        UploadStatus.COMPLETED,
    )
    actor = f"device:{device.pk}"
    assert ledger_of(f"upload:{upload.pk}") == [
        (LedgerAction.UPLOAD_CREATED, actor),
        (LedgerAction.UPLOAD_COMPLETED, actor),
    ]
    assert ledger_of(f"media:{media.pk}")[0] == (LedgerAction.MEDIA_INGESTED, actor)
    assert DeviceToken.objects.get().last_used_at is not None


def test_device_footage_without_a_case_belongs_to_the_device_agency(agency, device, device_token, make_file, http):
    # given
    secret = device_token(device)
    # when: a body-cam dump not yet linked to any case
    created = http("POST", None, secret, headers={"Upload-Length": "4", "Upload-Metadata": "filename ZHVtcC5iaW4="})
    patched = http(
        "PATCH",
        created.headers["Location"],
        secret,
        headers={"Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"},
        data=b"dump",
    )
    # then
    assert patched.status_code == 204, patched.content
    media = MediaObject.objects.get(pk=int(patched.headers["Quancheng-Media-Id"]))
    assert (media.case_id, media.agency_id, media.original_name) == (None, agency.pk, "dump.bin")


def test_revoked_device_token_is_refused(device, video_file, tus_client, uploader) -> None:
    # given
    out = io.StringIO()
    call_command("device-token", "create", "--serial", device.serial, stdout=out)
    secret = out.getvalue().strip()
    call_command("device-token", "revoke", DeviceToken.objects.get().prefix, stdout=io.StringIO())
    # when / then: creation is refused (401), nothing is created
    with pytest.raises(TusCommunicationError) as refused:
        uploader(tus_client(secret), video_file, {"filetype": "video/mp4"}).upload()
    assert refused.value.status_code == 401
    assert not Upload.objects.exists()


def test_device_token_command_refuses_an_unknown_serial(db) -> None:
    with pytest.raises(CommandError, match="未登记"):
        call_command("device-token", "create", "--serial", "NO-SUCH", stdout=io.StringIO())
