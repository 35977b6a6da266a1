"""Completion is atomic and idempotent (EVID-02, INTEGRITY-02): the upload is marked complete with its media id in
the transaction that records the media object, so a process dying around completion never makes a retry record
the same footage twice; a repeated final PATCH answers with the same media object."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest
from tusclient.exceptions import TusCommunicationError

from quancheng.evidence.models import MediaObject
from quancheng.ledger.models import LedgerAction, LedgerEntry
from quancheng.uploads import services
from quancheng.uploads.models import Upload, UploadStatus
from quancheng.uploads.staging import HASH_STATES

from .conftest import incoming_files, sha256_hex

OCTETS = {"Content-Type": "application/offset+octet-stream"}


class ProcessDied(Exception):
    """Stands for the worker being killed at the injected point (the exception unwinds like a dying process)."""


def _dies_once(real: Callable[..., object]) -> Callable[..., object]:
    calls = {"n": 0}

    def wrapper(*args: object, **kwargs: object) -> object:
        result = real(*args, **kwargs)
        calls["n"] += 1
        if calls["n"] == 1:
            raise ProcessDied("killed right after the media transaction committed")
        return result

    return wrapper


def _upload_until_the_crash(secret: str, path, metadata, tus_client, uploader) -> str:
    tus = uploader(tus_client(secret), path, metadata, chunk_size=16 * 1024)
    with pytest.raises(TusCommunicationError):  # the final PATCH never got its answer
        tus.upload()
    HASH_STATES.clear()  # a new process: nothing remembered in memory
    return tus.url


def test_crash_after_the_media_transaction_then_retry_gives_the_same_media(
    monkeypatch, zhangsan, case, make_file, user_token, tus_client, uploader, http, blob_dir
) -> None:
    # given: the process dies right after media_ingest's transaction committed, before answering the final PATCH
    data = os.urandom(40 * 1024)
    path = make_file(data, "现场录音.bin")
    secret = user_token(zhangsan)
    monkeypatch.setattr(services, "media_ingest", _dies_once(services.media_ingest))
    url = _upload_until_the_crash(secret, path, {"filename": path.name, "case_id": str(case.pk)}, tus_client, uploader)
    # then: the upload was completed in that same transaction, with its media id
    media = MediaObject.objects.get()
    upload = Upload.objects.get()
    assert (upload.status, upload.media_id, upload.sha256) == (UploadStatus.COMPLETED, media.pk, sha256_hex(data))
    # when: the device retries — HEAD, then the final PATCH again with nothing more to send
    head = http("HEAD", url, secret)
    retried = http("PATCH", url, secret, headers={**OCTETS, "Upload-Offset": str(len(data))}, data=b"")
    # then: the same media object, not a second one
    assert (head.status_code, head.headers["Upload-Offset"]) == (200, str(len(data)))
    assert head.headers["Quancheng-Media-Id"] == str(media.pk)
    assert retried.status_code == 204, retried.content
    assert retried.headers["Quancheng-Media-Id"] == str(media.pk)
    assert MediaObject.objects.count() == 1
    assert LedgerEntry.objects.filter(action=LedgerAction.MEDIA_INGESTED).count() == 1
    assert LedgerEntry.objects.filter(action=LedgerAction.UPLOAD_COMPLETED).count() == 1
    assert incoming_files(blob_dir) == []  # the staging file went with the commit


def test_crash_inside_the_transaction_undoes_both_and_a_retry_records_once(
    monkeypatch, zhangsan, case, make_file, user_token, tus_client, uploader, http, blob_dir
) -> None:
    # given: the process dies after the upload row was marked complete but before the transaction committed
    data = os.urandom(40 * 1024)
    path = make_file(data, "现场录音.bin")
    secret = user_token(zhangsan)
    monkeypatch.setattr(services, "upload_complete", _dies_once(services.upload_complete))
    url = _upload_until_the_crash(secret, path, {"filename": path.name, "case_id": str(case.pk)}, tus_client, uploader)
    # then: neither the media object nor the completion stayed; every byte is still staged
    assert not MediaObject.objects.exists()
    upload = Upload.objects.get()
    assert (upload.status, upload.offset, upload.media_id) == (UploadStatus.RECEIVING, len(data), None)
    assert not LedgerEntry.objects.filter(action=LedgerAction.MEDIA_INGESTED).exists()
    assert [p.read_bytes() for p in incoming_files(blob_dir)] == [data]
    # when: the retry
    retried = http("PATCH", url, secret, headers={**OCTETS, "Upload-Offset": str(len(data))}, data=b"")
    # then: recorded exactly once
    assert retried.status_code == 204, retried.content
    media = MediaObject.objects.get()
    assert retried.headers["Quancheng-Media-Id"] == str(media.pk)
    assert media.blob_id == sha256_hex(data)
    assert Upload.objects.get().media_id == media.pk


def test_more_bytes_after_completion_are_still_refused(zhangsan, make_file, user_token, tus_client, uploader, http):
    # given: a completed upload
    data = os.urandom(1024)
    path = make_file(data, "a.bin")
    secret = user_token(zhangsan)
    tus = uploader(tus_client(secret), path, {"filename": path.name}, chunk_size=4096)
    tus.upload()
    # when: a PATCH at the final offset that carries bytes
    extra = http("PATCH", tus.url, secret, headers={**OCTETS, "Upload-Offset": str(len(data))}, data=b"x")
    # then: 409, the upload is finished (only an empty repeat is answered idempotently)
    assert extra.status_code == 409
    assert extra.json()["code"] == "upload_offset_mismatch"
    assert MediaObject.objects.count() == 1
