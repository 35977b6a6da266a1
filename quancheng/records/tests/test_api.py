"""The records API: catalogue, drafting, editing, sealing, correcting, signing, history; bad input is a 4xx
with ``{"code", "message"}`` and writes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from quancheng.records import services
from quancheng.records.catalogue import KINDS
from quancheng.records.models import Record, RecordStatus, Signature

from .conftest import INQUIRY_PARTICIPANTS, activity_window, inquiry_content


def post(client, url: str, body: Any) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


def patch(client, url: str, body: Any) -> Any:
    return client.patch(url, data=json.dumps(body), content_type="application/json")


def inquiry_body(party_id: int, **overrides: Any) -> dict[str, Any]:
    start, end = activity_window()
    body = {
        "kind": "inquiry_transcript",
        "content": inquiry_content(party_id),
        "activity_started_at": start.isoformat(),
        "activity_ended_at": end.isoformat(),
        "place": "示例市某食品有限公司门店",
        "participants": INQUIRY_PARTICIPANTS,
        "page_count": 2,
    }
    body.update(overrides)
    return body


@pytest.fixture
def client(api_client, zhangsan):
    return api_client(zhangsan)


# --- catalogue ---------------------------------------------------------------------------------------


def test_kinds_lists_the_catalogue(client) -> None:
    response = client.get("/api/v1/records/kinds")
    assert response.status_code == 200
    kinds = {k["code"]: k for k in response.json()}
    assert set(kinds) == {k.code for k in KINDS}
    inquiry = kinds["inquiry_transcript"]
    assert inquiry["name"] == "询问笔录" and inquiry["per_page_signatures"] is True
    assert {"value": "investigation_evidence", "label": "调查取证"} in inquiry["stages"]
    qa = next(f for f in inquiry["fields"] if f["name"] == "questions_answers")
    assert qa["type"] == "rows" and qa["required"] is True and "INV-02" in qa["requirements"]
    assert [c["label"] for c in qa["columns"]] == ["问", "答"]


def test_kinds_needs_authentication(db, client) -> None:
    from django.test import Client

    response = Client().get("/api/v1/records/kinds")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


# --- the happy path ------------------------------------------------------------------------------------


def _sign_all(client, rid: int, pages: int, image: str, officer) -> None:
    """陈某 signs every page, the officer signs once (INV-11/12, GEN-06), over the API."""
    marks = [
        {"signer_name": "陈某", "signer_role": "interviewee", "method": "handwritten", "page": page}
        for page in range(1, pages + 1)
    ]
    marks.append(
        {
            "signer_name": officer.full_name,
            "signer_role": "officer",
            "method": "handwritten",
            "page": 1,
            "signer_user_id": officer.pk,
        }
    )
    for mark in marks:
        response = post(client, f"/api/v1/records/{rid}/signatures", mark | {"image_sha256": image})
        assert response.status_code == 201, response.json()


def test_draft_sign_seal_correct_and_history(client, case, party, zhangsan, lisi, signature_image, ledger_size) -> None:
    walked = list(Record.objects.filter(case=case).order_by("pk").values_list("pk", flat=True))
    # draft
    response = post(client, f"/api/v1/cases/{case.pk}/records", inquiry_body(party.pk))
    assert response.status_code == 201, response.json()
    record = response.json()
    assert record["status"] == "draft" and record["kind_name"] == "询问笔录"
    assert record["participants"] == INQUIRY_PARTICIPANTS
    rid = record["id"]
    # edit the draft
    response = patch(client, f"/api/v1/records/{rid}", {"page_count": 3})
    assert response.status_code == 200 and response.json()["page_count"] == 3
    # an unsigned 笔录 cannot be sealed (INV-11): 409 naming the rule
    response = client.post(f"/api/v1/records/{rid}/seal")
    assert response.status_code == 409
    assert response.json()["code"] == "rule_violation"
    # sign the draft, page by page
    _sign_all(client, rid, 3, signature_image, zhangsan)
    # once signed its wording is fixed
    response = patch(client, f"/api/v1/records/{rid}", {"place": "别处"})
    assert response.status_code == 409 and response.json()["code"] == "record_sealed"
    # seal
    response = client.post(f"/api/v1/records/{rid}/seal")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "sealed"
    # a late signer on the sealed record: the recorder on page 3
    response = post(
        client,
        f"/api/v1/records/{rid}/signatures",
        {
            "signer_name": "李四",
            "signer_role": "recorder",
            "method": "handwritten",
            "page": 3,
            "image_sha256": signature_image,
            "signer_user_id": lisi.pk,
        },
    )
    assert response.status_code == 201, response.json()
    assert response.json()["method_label"] == "手写签名"
    # correct: a corrected 笔录 is signed again before it is sealed
    content = inquiry_content(party.pk) | {"interviewee_confirmation": "以上笔录我看过,与我说的相符。"}
    response = post(client, f"/api/v1/records/{rid}/corrections", {"content": content, "reason": "补记确认意见"})
    assert response.status_code == 409 and response.json()["code"] == "rule_violation"
    response = post(
        client, f"/api/v1/records/{rid}/corrections", {"content": content, "reason": "补记确认意见", "seal": False}
    )
    assert response.status_code == 201, response.json()
    correction = response.json()
    assert correction["supersedes_id"] == rid and correction["version"] == 2
    assert correction["status"] == "draft" and correction["page_count"] == 3
    _sign_all(client, correction["id"], 3, signature_image, zhangsan)
    response = client.post(f"/api/v1/records/{correction['id']}/seal")
    assert response.status_code == 200 and response.json()["status"] == "sealed"
    # the original is still readable, unchanged, and says it was superseded
    original = client.get(f"/api/v1/records/{rid}").json()
    assert original["content"] == inquiry_content(party.pk)
    assert original["superseded_by_id"] == correction["id"]
    assert len(original["signatures"]) == 5
    # history, from either end
    for some in (rid, correction["id"]):
        history = client.get(f"/api/v1/records/{some}/history").json()
        assert [r["id"] for r in history] == [rid, correction["id"]]
    # the case's list: the records the procedure walk made, then these
    listed = client.get(f"/api/v1/cases/{case.pk}/records").json()
    assert [r["id"] for r in listed] == [*walked, rid, correction["id"]]
    current = client.get(f"/api/v1/cases/{case.pk}/records?current_only=true").json()
    assert [r["id"] for r in current] == [*walked, correction["id"]]


def test_patch_with_null_time_clears_it(client, draft_inquiry) -> None:
    record = draft_inquiry()
    response = patch(client, f"/api/v1/records/{record.pk}", {"activity_ended_at": None})
    assert response.status_code == 200
    assert response.json()["activity_ended_at"] is None
    assert response.json()["activity_started_at"] is not None


def test_supervisor_reads_records(api_client, supervisor, sealed_inquiry, case) -> None:
    client = api_client(supervisor)
    assert client.get(f"/api/v1/records/{sealed_inquiry.pk}").status_code == 200
    assert client.get(f"/api/v1/cases/{case.pk}/records").status_code == 200


# --- bad input: 4xx, {"code", "message"}, nothing written --------------------------------------------


def _assert_refused(response, status: int, code: str, ledger_size, before: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    assert isinstance(body["message"], str) and body["message"]
    assert ledger_size() == before
    return body


def test_unknown_kind_is_422(client, case, party, ledger_size) -> None:
    before, rows = ledger_size(), Record.objects.count()
    response = post(client, f"/api/v1/cases/{case.pk}/records", inquiry_body(party.pk, kind="secret_diary"))
    _assert_refused(response, 422, "unknown_record_kind", ledger_size, before)
    assert Record.objects.count() == rows


def test_missing_required_field_at_seal_is_422_with_errors_per_field(client, draft_inquiry, ledger_size) -> None:
    record = draft_inquiry(content={"interviewee_name": "陈某"})
    before = ledger_size()
    response = client.post(f"/api/v1/records/{record.pk}/seal")
    body = _assert_refused(response, 422, "record_content_invalid", ledger_size, before)
    assert body["errors"]["questions_answers"] == ["此项为必填项"]
    record.refresh_from_db()
    assert record.status == RecordStatus.DRAFT


@pytest.mark.parametrize(
    "overrides",
    [
        {"page_count": "many"},
        {"page_count": 0},
        {"activity_started_at": "last tuesday"},
        {"participants": [{"name": "张三", "role": "emperor"}]},
        {"participants": "张三"},
        {"content": ["not", "an", "object"]},
        {"place": "地" * 300},
        {"kind": None},
    ],
)
def test_wrong_envelope_types_are_422(client, case, party, ledger_size, overrides) -> None:
    before, rows = ledger_size(), Record.objects.count()
    response = post(client, f"/api/v1/cases/{case.pk}/records", inquiry_body(party.pk, **overrides))
    _assert_refused(response, 422, "validation_error", ledger_size, before)
    assert Record.objects.count() == rows


def test_wrong_content_types_are_422(client, case, party, ledger_size) -> None:
    before = ledger_size()
    content = inquiry_content(party.pk) | {"certificates_shown": "是的", "officers": "张三"}
    response = post(client, f"/api/v1/cases/{case.pk}/records", inquiry_body(party.pk, content=content))
    body = _assert_refused(response, 422, "record_content_invalid", ledger_size, before)
    assert set(body["errors"]) == {"certificates_shown", "officers"}


def test_malformed_json_is_a_4xx(client, case, ledger_size) -> None:
    before = ledger_size()
    response = client.post(f"/api/v1/cases/{case.pk}/records", data="{not json", content_type="application/json")
    assert 400 <= response.status_code < 500
    assert ledger_size() == before


# Times whose UTC instant falls outside year 1-9999 (or whose offset PostgreSQL refuses): found by fuzzing, each
# was a 500 when the row was written.
UNSTORABLE_TIMES = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-23:59"]


@pytest.mark.parametrize("moment", UNSTORABLE_TIMES)
def test_draft_with_an_unstorable_activity_time_is_422(client, case, party, ledger_size, moment) -> None:
    # given
    before, rows = ledger_size(), Record.objects.count()
    # when
    response = post(client, f"/api/v1/cases/{case.pk}/records", inquiry_body(party.pk, activity_started_at=moment))
    # then
    body = _assert_refused(response, 422, "validation_error", ledger_size, before)
    assert body["errors"][0]["loc"] == ["body", "payload", "activity_started_at"]
    assert Record.objects.count() == rows


@pytest.mark.parametrize("moment", UNSTORABLE_TIMES)
@pytest.mark.parametrize("field", ["activity_started_at", "activity_ended_at"])
def test_patch_with_an_unstorable_activity_time_is_422(client, draft_inquiry, ledger_size, field, moment) -> None:
    # given
    record = draft_inquiry()
    original = getattr(record, field)
    before = ledger_size()
    # when
    response = patch(client, f"/api/v1/records/{record.pk}", {field: moment})
    # then
    _assert_refused(response, 422, "validation_error", ledger_size, before)
    record.refresh_from_db()
    assert getattr(record, field) == original


def test_sealing_twice_is_409(client, sealed_inquiry, ledger_size) -> None:
    before = ledger_size()
    response = client.post(f"/api/v1/records/{sealed_inquiry.pk}/seal")
    _assert_refused(response, 409, "record_already_sealed", ledger_size, before)


def test_editing_a_sealed_record_is_409(client, sealed_inquiry, ledger_size) -> None:
    before = ledger_size()
    response = patch(client, f"/api/v1/records/{sealed_inquiry.pk}", {"place": "别处"})
    _assert_refused(response, 409, "record_sealed", ledger_size, before)
    sealed_inquiry.refresh_from_db()
    assert sealed_inquiry.place != "别处"


def test_correcting_a_superseded_version_is_409(client, sealed_inquiry, zhangsan, ledger_size) -> None:
    services.record_correct(
        actor=zhangsan, record=sealed_inquiry, content=dict(sealed_inquiry.content), reason="一", seal=False
    )
    before = ledger_size()
    response = post(
        client,
        f"/api/v1/records/{sealed_inquiry.pk}/corrections",
        {"content": dict(sealed_inquiry.content), "reason": "二"},
    )
    _assert_refused(response, 409, "record_superseded", ledger_size, before)


def test_correction_without_reason_is_422(client, sealed_inquiry, ledger_size) -> None:
    before = ledger_size()
    response = post(client, f"/api/v1/records/{sealed_inquiry.pk}/corrections", {"content": {}})
    _assert_refused(response, 422, "validation_error", ledger_size, before)


def test_transcript_signature_without_page_is_422(client, sealed_inquiry, signature_image, ledger_size) -> None:
    before, rows = ledger_size(), Signature.objects.count()
    body = {
        "signer_name": "陈某",
        "signer_role": "interviewee",
        "method": "handwritten",
        "image_sha256": signature_image,
    }
    response = post(client, f"/api/v1/records/{sealed_inquiry.pk}/signatures", body)
    _assert_refused(response, 422, "invalid_signature", ledger_size, before)
    assert Signature.objects.count() == rows


def test_a_draft_is_signed_once_per_page_and_person(client, draft_inquiry, signature_image, ledger_size) -> None:
    """INV-11: the interviewee signs the finished draft page by page; the same mark twice is 409, nothing written."""
    record = draft_inquiry()
    body = {
        "signer_name": "陈某",
        "signer_role": "interviewee",
        "method": "handwritten",
        "page": 1,
        "image_sha256": signature_image,
    }
    assert post(client, f"/api/v1/records/{record.pk}/signatures", body).status_code == 201
    before = ledger_size()
    response = post(client, f"/api/v1/records/{record.pk}/signatures", body)
    _assert_refused(response, 409, "duplicate", ledger_size, before)
    assert Signature.objects.filter(record=record).count() == 1


def test_signer_user_of_another_agency_is_404(client, sealed_inquiry, signature_image, outsider, ledger_size) -> None:
    before = ledger_size()
    body = {
        "signer_name": "周外人",
        "signer_role": "officer",
        "method": "handwritten",
        "page": 1,
        "image_sha256": signature_image,
        "signer_user_id": outsider.pk,
    }
    response = post(client, f"/api/v1/records/{sealed_inquiry.pk}/signatures", body)
    _assert_refused(response, 404, "not_found", ledger_size, before)


def test_kind_in_the_wrong_stage_is_409(client, make_case, party, ledger_size) -> None:
    from quancheng.cases.models import Stage

    case = make_case(stage=Stage.PROGRAM_START)
    before = ledger_size()
    response = post(client, f"/api/v1/cases/{case.pk}/records", inquiry_body(party.pk))
    _assert_refused(response, 409, "transition_not_allowed", ledger_size, before)


# --- another agency's case and record: 404; a supervisor's write: 403 ----------------------------------


def test_another_agencys_case_is_404(api_client, outsider, case, party, ledger_size) -> None:
    client = api_client(outsider)
    before = ledger_size()
    response = post(client, f"/api/v1/cases/{case.pk}/records", inquiry_body(party.pk))
    _assert_refused(response, 404, "not_found", ledger_size, before)
    _assert_refused(client.get(f"/api/v1/cases/{case.pk}/records"), 404, "not_found", ledger_size, before)


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("get", "", None),
        ("patch", "", {"place": "别处"}),
        ("post", "/seal", None),
        ("post", "/corrections", {"content": {}, "reason": "更正"}),
        ("post", "/signatures", {"signer_name": "某", "signer_role": "party", "method": "refused", "page": 1}),
        ("get", "/history", None),
    ],
)
def test_another_agencys_record_is_404(api_client, outsider, sealed_inquiry, ledger_size, method, suffix, body) -> None:
    client = api_client(outsider)
    before = ledger_size()
    url = f"/api/v1/records/{sealed_inquiry.pk}{suffix}"
    if body is None:
        response = getattr(client, method)(url)
    else:
        response = getattr(client, method)(url, data=json.dumps(body), content_type="application/json")
    _assert_refused(response, 404, "not_found", ledger_size, before)


def test_supervisor_write_is_403(api_client, supervisor, case, party, draft_inquiry, ledger_size) -> None:
    client = api_client(supervisor)
    record = draft_inquiry()
    before, rows = ledger_size(), Record.objects.count()
    _assert_refused(
        post(client, f"/api/v1/cases/{case.pk}/records", inquiry_body(party.pk)),
        403,
        "permission_denied",
        ledger_size,
        before,
    )
    _assert_refused(client.post(f"/api/v1/records/{record.pk}/seal"), 403, "permission_denied", ledger_size, before)
    _assert_refused(
        patch(client, f"/api/v1/records/{record.pk}", {"place": "别处"}), 403, "permission_denied", ledger_size, before
    )
    assert Record.objects.count() == rows


def test_openapi_lists_the_records_paths(client) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/records/kinds",
        "/api/v1/cases/{case_id}/records",
        "/api/v1/records/{record_id}",
        "/api/v1/records/{record_id}/seal",
        "/api/v1/records/{record_id}/corrections",
        "/api/v1/records/{record_id}/signatures",
        "/api/v1/records/{record_id}/history",
    ):
        assert path in paths, path
