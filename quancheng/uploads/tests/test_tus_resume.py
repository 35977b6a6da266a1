"""An interrupted upload resumes from the server's offset, with a new client, also after the server process lost
its in-memory hash state (restart): nothing is sent twice, the digest is still that of the whole file."""

from __future__ import annotations

import os
import socket

from quancheng.evidence.models import MediaObject
from quancheng.evidence.storage import get_blob_store
from quancheng.uploads.models import Upload
from quancheng.uploads.staging import HASH_STATES

from .conftest import raw_patch, read_status, sha256_hex


def test_upload_resumes_from_the_server_offset_after_interruption(
    zhangsan, case, make_file, user_token, tus_client, uploader, http
) -> None:
    # given: 3 of 8 chunks sent, then the client stops (the device lost its network)
    chunk = 16 * 1024
    data = os.urandom(8 * chunk - 100)
    path = make_file(data, "扫描件.bin")
    secret = user_token(zhangsan)
    metadata = {"filename": path.name, "case_id": str(case.pk), "sha256": sha256_hex(data)}
    first = uploader(tus_client(secret), path, metadata, chunk_size=chunk)
    first.upload(stop_at=3 * chunk)
    assert Upload.objects.get().offset == 3 * chunk
    # and: the server restarts meanwhile (its running SHA-256 state is gone)
    HASH_STATES.clear()
    # when: a new client resumes the same upload URL
    second = uploader(tus_client(secret), path, metadata, chunk_size=chunk, url=first.url)
    # then: it starts from the server's offset, not from zero
    assert second.offset == 3 * chunk
    sent_offsets: list[int] = []
    while second.offset < len(data):
        sent_offsets.append(second.offset)
        second.upload_chunk()
    assert sent_offsets == [offset for offset in range(3 * chunk, len(data), chunk)]
    # and: the media holds exactly the file (the rebuilt hash state covered the first part)
    media = MediaObject.objects.get(pk=int(second.request.response_headers["quancheng-media-id"]))
    assert media.blob_id == sha256_hex(data)
    with get_blob_store().open(media.blob_id) as stored:
        assert stored.read() == data


def test_bytes_of_an_abandoned_chunk_without_checksum_are_kept(zhangsan, case, user_token, http) -> None:
    """tus core: a client on a weak network resumes from the bytes that did arrive, not from the chunk's start."""
    # given: an upload of 1000 bytes
    secret = user_token(zhangsan)
    created = http("POST", None, secret, headers={"Upload-Length": "1000"})
    assert created.status_code == 201, created.content
    url = created.headers["Location"]
    # when: a PATCH declares 1000 bytes, sends 400 and the connection drops (no checksum on the chunk)
    sock = raw_patch(url, secret, offset=0, declared=1000, body=b"a" * 400)
    sock.shutdown(socket.SHUT_WR)
    read_status(sock)
    # then: the 400 bytes that arrived count, and the upload continues from there
    assert http("HEAD", url, secret).headers["Upload-Offset"] == "400"
    rest = http(
        "PATCH",
        url,
        secret,
        headers={"Upload-Offset": "400", "Content-Type": "application/offset+octet-stream"},
        data=b"b" * 600,
    )
    assert rest.status_code == 204, rest.content
    assert rest.headers["Upload-Offset"] == "1000"
    assert rest.headers["Quancheng-Sha256"] == sha256_hex(b"a" * 400 + b"b" * 600)
