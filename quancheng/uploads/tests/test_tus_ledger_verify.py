"""Uploads keep the ledger verifiable (INTEGRITY-01): lifecycle steps are anchored, while the transfer
bookkeeping that changes with every chunk (offset, lease, sliding expiry) is outside the row digest, so a
half-finished upload, a finished one and a device token all verify."""

from __future__ import annotations

import os

from quancheng.ledger.verify import verify


def test_verify_passes_with_uploads_in_every_state(
    zhangsan, case, device, make_file, user_token, device_token, tus_client, uploader, http
) -> None:
    # given: a finished upload, an unfinished one with bytes received, a terminated one, and a device token
    secret = user_token(zhangsan)
    uploader(tus_client(secret), make_file(os.urandom(5000)), {"case_id": str(case.pk)}, chunk_size=2000).upload()
    unfinished = http("POST", None, secret, headers={"Upload-Length": "100"}).headers["Location"]
    headers = {"Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"}
    assert http("PATCH", unfinished, secret, headers=headers, data=b"p" * 40).status_code == 204
    ended = http("POST", None, secret, headers={"Upload-Length": "100"}).headers["Location"]
    assert http("DELETE", ended, secret).status_code == 204
    device_token(device)
    # when
    problems = verify().problems
    # then
    assert problems == []
