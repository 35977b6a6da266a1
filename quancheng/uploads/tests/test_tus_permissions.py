"""Who may upload what (ACCESS-01): another agency's case is refused before a byte is sent, a supervisor may not
record evidence, an upload is reachable only by whoever created it, and a device only within its agency."""

from __future__ import annotations

import base64

from quancheng.evidence import services as evidence
from quancheng.uploads.models import Upload

PATCH_HEADERS = {"Content-Type": "application/offset+octet-stream"}


def _case_metadata(case_id: int) -> str:
    return "case_id " + base64.b64encode(str(case_id).encode()).decode()


def test_upload_for_another_agencys_case_is_refused(outsider, case, user_token, http) -> None:
    # when: an officer of another agency names this agency's case
    response = http(
        "POST", None, user_token(outsider), headers={"Upload-Length": "10", "Upload-Metadata": _case_metadata(case.pk)}
    )
    # then: refused as if the case did not exist (its existence is not revealed)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert not Upload.objects.exists()


def test_supervisor_may_not_upload_evidence(supervisor, case, user_token, http) -> None:
    # when
    response = http(
        "POST",
        None,
        user_token(supervisor),
        headers={"Upload-Length": "10", "Upload-Metadata": _case_metadata(case.pk)},
    )
    # then: a supervisor sees the case but records nothing in it
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not Upload.objects.exists()


def test_an_upload_is_reachable_only_by_its_creator(zhangsan, lisi, case, user_token, http) -> None:
    # given: 张三's upload
    url = http(
        "POST", None, user_token(zhangsan), headers={"Upload-Length": "10", "Upload-Metadata": _case_metadata(case.pk)}
    ).headers["Location"]
    other = user_token(lisi)
    # when / then: a colleague can neither see, write nor end it
    assert http("HEAD", url, other).status_code == 404
    assert (
        http("PATCH", url, other, headers={"Upload-Offset": "0", **PATCH_HEADERS}, data=b"0123456789").status_code
        == 404
    )
    assert http("DELETE", url, other).status_code == 404
    assert Upload.objects.get().offset == 0


def test_device_of_another_agency_is_refused(other_agency, case, device_token, http) -> None:
    # given
    foreign = evidence.device_register(actor=None, agency=other_agency, serial="LW-DSJ-9", model="DSJ-V8")
    # when
    response = http(
        "POST", None, device_token(foreign), headers={"Upload-Length": "10", "Upload-Metadata": _case_metadata(case.pk)}
    )
    # then
    assert response.status_code == 404
    assert not Upload.objects.exists()


def test_without_a_valid_token_nothing_happens(case, http) -> None:
    # when / then
    assert http("POST", None, None, headers={"Upload-Length": "10"}).status_code == 401
    assert http("POST", None, "qc_not-a-token", headers={"Upload-Length": "10"}).status_code == 401
    assert not Upload.objects.exists()


def test_archived_case_is_refused_at_creation(zhangsan, case, user_token, http) -> None:
    # given: test set-up only, the workflow that reaches 归档 is the cases app's concern
    from quancheng.cases.models import Case, Stage

    Case.objects.filter(pk=case.pk).update(stage=Stage.ARCHIVE)
    # when
    response = http(
        "POST", None, user_token(zhangsan), headers={"Upload-Length": "10", "Upload-Metadata": _case_metadata(case.pk)}
    )
    # then
    assert response.status_code == 409
    assert response.json()["code"] == "case_closed"
