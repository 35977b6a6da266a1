"""tus 1.0.0 protocol details: capabilities (OPTIONS), version check (412), creation headers, the offset content
type (415), Upload-Length limits (413) and metadata parsing (bad input is refused, never a 500)."""

from __future__ import annotations

import base64

import requests

from quancheng.uploads.models import Upload


def test_options_advertises_the_server_capabilities(settings, tus_url) -> None:
    # when: no token needed to discover
    response = requests.options(tus_url, timeout=30)
    # then
    assert response.status_code == 204
    assert response.headers["Tus-Resumable"] == "1.0.0"
    assert response.headers["Tus-Version"] == "1.0.0"
    assert set(response.headers["Tus-Extension"].split(",")) == {"creation", "checksum", "termination", "expiration"}
    assert response.headers["Tus-Max-Size"] == str(settings.QUANCHENG_TUS_MAX_SIZE)
    assert "sha256" in response.headers["Tus-Checksum-Algorithm"].split(",")


def test_missing_or_other_tus_version_is_a_412(zhangsan, user_token, tus_url) -> None:
    # given
    auth = {"Authorization": f"Bearer {user_token(zhangsan)}", "Upload-Length": "10"}
    # when
    missing = requests.post(tus_url, headers=auth, timeout=30)
    other = requests.post(tus_url, headers={**auth, "Tus-Resumable": "0.2.2"}, timeout=30)
    # then
    for response in (missing, other):
        assert response.status_code == 412
        assert response.headers["Tus-Version"] == "1.0.0"
        assert response.json()["code"] == "tus_version_unsupported"
    assert not Upload.objects.exists()


def test_creation_returns_location_and_echoes_metadata(zhangsan, user_token, http) -> None:
    # given
    secret = user_token(zhangsan)
    name = base64.b64encode("现场照片.jpg".encode()).decode()
    # when
    created = http("POST", None, secret, headers={"Upload-Length": "1234", "Upload-Metadata": f"filename {name},flag"})
    # then
    assert created.status_code == 201
    upload = Upload.objects.get()
    assert created.headers["Location"].endswith(f"/api/v1/uploads/{upload.pk}")
    assert (upload.length, upload.original_name, upload.kind) == (1234, "现场照片.jpg", "document")
    head = http("HEAD", created.headers["Location"], secret)
    assert head.status_code == 200
    assert (head.headers["Upload-Offset"], head.headers["Upload-Length"]) == ("0", "1234")
    assert set(head.headers["Upload-Metadata"].split(",")) == {f"filename {name}", "flag"}
    assert head.headers["Cache-Control"] == "no-store"


def test_bad_creation_requests_are_refused(settings, zhangsan, user_token, http) -> None:
    # given
    secret = user_token(zhangsan)
    settings.QUANCHENG_TUS_MAX_SIZE = 1000
    cases = [
        ({}, 422),  # no Upload-Length
        ({"Upload-Length": "-1"}, 422),
        ({"Upload-Length": "0"}, 400),  # an empty file is no evidence
        ({"Upload-Length": "1001"}, 413),
        ({"Upload-Defer-Length": "1"}, 422),
        ({"Upload-Length": "10", "Upload-Metadata": "filename !!!"}, 422),
        ({"Upload-Length": "10", "Upload-Metadata": "a YQ==,a YQ=="}, 422),
        ({"Upload-Length": "10", "Upload-Metadata": "kind " + base64.b64encode(b"hologram").decode()}, 422),
        ({"Upload-Length": "10", "Upload-Metadata": "filename " + base64.b64encode(b"a\x00b").decode()}, 422),
        ({"Upload-Length": "10", "Upload-Metadata": "captured_at " + base64.b64encode(b"yesterday").decode()}, 422),
        ({"Upload-Length": "10", "Upload-Metadata": "device_serial " + base64.b64encode(b"NO-SUCH").decode()}, 422),
    ]
    # when / then
    for headers, status in cases:
        response = http("POST", None, secret, headers=headers)
        assert response.status_code == status, (headers, response.content)
        assert "code" in response.json()
    assert not Upload.objects.exists()


def test_patch_needs_the_offset_content_type(zhangsan, user_token, http) -> None:
    # given
    secret = user_token(zhangsan)
    url = http("POST", None, secret, headers={"Upload-Length": "3"}).headers["Location"]
    # when
    response = http("PATCH", url, secret, headers={"Upload-Offset": "0", "Content-Type": "text/plain"}, data=b"abc")
    # then
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    assert Upload.objects.get().offset == 0


def test_chunk_longer_than_the_rest_is_refused(zhangsan, user_token, http) -> None:
    # given
    secret = user_token(zhangsan)
    url = http("POST", None, secret, headers={"Upload-Length": "3"}).headers["Location"]
    # when
    response = http(
        "PATCH",
        url,
        secret,
        headers={"Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"},
        data=b"abcd",
    )
    # then
    assert response.status_code == 413
    assert Upload.objects.get().offset == 0


def test_method_override_for_clients_that_only_send_post(zhangsan, user_token, http) -> None:
    # given
    secret = user_token(zhangsan)
    url = http("POST", None, secret, headers={"Upload-Length": "3"}).headers["Location"]
    # when: PATCH sent as POST with X-HTTP-Method-Override
    response = http(
        "POST",
        url,
        secret,
        headers={
            "X-HTTP-Method-Override": "PATCH",
            "Upload-Offset": "0",
            "Content-Type": "application/offset+octet-stream",
        },
        data=b"abc",
    )
    # then
    assert response.status_code == 204, response.content
    assert response.headers["Upload-Offset"] == "3"
