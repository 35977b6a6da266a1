"""Two PATCH requests on one upload never write at once: while one holds the upload, another is refused with
423 Locked (and a wrong offset with 409 Conflict), and the first completes normally."""

from __future__ import annotations

from quancheng.uploads.models import Upload

from .conftest import raw_patch, read_status, wait_for

PATCH_HEADERS = {"Content-Type": "application/offset+octet-stream"}


def test_second_patch_while_one_is_writing_is_refused_with_423(zhangsan, case, user_token, http) -> None:
    # given: a PATCH in progress (half its body sent)
    secret = user_token(zhangsan)
    url = http("POST", None, secret, headers={"Upload-Length": "2000"}).headers["Location"]
    first = raw_patch(url, secret, offset=0, declared=1000, body=b"x" * 500)
    wait_for(lambda: Upload.objects.get().lease_token != "", "the first PATCH holds the upload")
    # when: another PATCH arrives for the same upload
    second = http("PATCH", url, secret, headers={"Upload-Offset": "0", **PATCH_HEADERS}, data=b"y" * 1000)
    # then: it is refused while the first is writing
    assert second.status_code == 423
    assert second.json()["code"] == "upload_locked"
    # when: the first finishes sending
    first.sendall(b"x" * 500)
    # then: it is accepted, and the upload is free again
    assert read_status(first) == 204
    upload = Upload.objects.get()
    assert (upload.offset, upload.lease_token) == (1000, "")


def test_patch_at_a_stale_offset_is_a_409_naming_the_server_offset(zhangsan, case, user_token, http) -> None:
    # given: 100 bytes received
    secret = user_token(zhangsan)
    url = http("POST", None, secret, headers={"Upload-Length": "300"}).headers["Location"]
    http("PATCH", url, secret, headers={"Upload-Offset": "0", **PATCH_HEADERS}, data=b"a" * 100)
    # when: a client that missed that answer sends from 0 again
    response = http("PATCH", url, secret, headers={"Upload-Offset": "0", **PATCH_HEADERS}, data=b"a" * 100)
    # then
    assert response.status_code == 409
    assert response.json()["code"] == "upload_offset_mismatch"
    assert response.headers["Upload-Offset"] == "100"
    assert Upload.objects.get().offset == 100
