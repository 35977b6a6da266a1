"""End to end through the API: a general-procedure case from filing to archive, then `verify`.

Each refusal on the way (STAFF-01 staffing, editing a sealed record, sealing twice, writing to an archived
case) is checked to write nothing; at the end the ledger verifies, and a byte changed behind the
application's back is caught.
"""

from __future__ import annotations

import hashlib
import json
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from quancheng.accounts import services as accounts
from quancheng.cases.identifiers import uscc_check_char
from quancheng.demo.media import png
from quancheng.demo.records import sample_content
from quancheng.records.catalogue import get_kind

pytestmark = pytest.mark.django_db


def post(client, path: str, body: dict):
    return client.post(path, data=json.dumps(body), content_type="application/json")


def record_body(kind: str, ctx: dict, officers: list[dict], interviewee: str | None = None) -> dict:
    spec = get_kind(kind)
    participants = [
        {"name": o["name"], "role": "officer", "certificate_number": o["certificate_number"]} for o in officers
    ]
    if interviewee:
        participants.append({"name": interviewee, "role": "interviewee"})
    return {
        "kind": kind,
        "content": sample_content(spec, ctx),
        "activity_started_at": "2026-11-20T09:00:00+08:00",
        "activity_ended_at": "2026-11-20T09:40:00+08:00",
        "place": "示例市中山路12号",
        "participants": participants,
        "page_count": 2 if spec.per_page_signatures else 1,
    }


def test_general_procedure_case_from_filing_to_archive_then_verify(
    api_client, zhangsan, lisi, unit, agency, ledger_size
) -> None:
    # given: an officer whose certificate expired, and two with valid ones
    wangwu = accounts.user_create(
        actor=None, username="wangwu", full_name="王五", agency=agency, unit=unit, roles=("officer",)
    )
    client = api_client(zhangsan)
    body17 = "91330100MA2AB1C2X"
    party = post(
        client,
        "/api/v1/parties",
        {
            "kind": "organisation",
            "name": "示例市鲜果超市有限公司",
            "id_number": body17 + uscc_check_char(body17),
            "legal_representative": "林大海",
            "address": "示例市中山路12号",
        },
    )
    assert party.status_code == 201, party.content
    party_id = party.json()["id"]

    # when: the case is filed with one certified handler and one without a certificate
    opened = post(
        client,
        "/api/v1/cases",
        {
            "title": "销售过期食品案",
            "act_type": "penalty",
            "source": "inspection",
            "handler_ids": [zhangsan.pk, wangwu.pk],
            "party_ids": [party_id],
        },
    )
    assert opened.status_code == 201, opened.content
    case = opened.json()
    assert case["number"].startswith("示市监立〔") and case["number"].endswith("〕1号")
    case_id = case["id"]

    # then: STAFF-01 refuses the investigation stage, writing nothing
    before = ledger_size()
    refused = post(client, f"/api/v1/cases/{case_id}/stage", {"to_stage": "investigation_evidence"})
    assert refused.status_code == 409
    assert refused.json()["code"] == "staffing_insufficient"
    assert ledger_size() == before

    # when: a second certified officer is assigned, the case enters investigation
    handlers = client.put(
        f"/api/v1/cases/{case_id}/handlers",
        data=json.dumps({"handler_ids": [zhangsan.pk, lisi.pk], "lead_id": zhangsan.pk}),
        content_type="application/json",
    )
    assert handlers.status_code == 200, handlers.content
    moved = post(client, f"/api/v1/cases/{case_id}/stage", {"to_stage": "investigation_evidence"})
    assert moved.status_code == 200, moved.content

    officers = [{"name": u.full_name, "certificate_number": u.certificates.get().number} for u in (zhangsan, lisi)]
    ctx = {
        "party": type("P", (), {"pk": party_id})(),
        "officers": officers,
        "names": {"interviewee_name": "林大海", "interviewee_id_document": "居民身份证"},
    }

    # an inquiry transcript: drafted, sealed, signed on every page with an uploaded signature image
    draft = post(
        client,
        f"/api/v1/cases/{case_id}/records",
        record_body("inquiry_transcript", ctx, officers, interviewee="林大海"),
    )
    assert draft.status_code == 201, draft.content
    record_id = draft.json()["id"]
    sealed = client.post(f"/api/v1/records/{record_id}/seal")
    assert sealed.status_code == 200, sealed.content

    before = ledger_size()
    assert client.post(f"/api/v1/records/{record_id}/seal").json()["code"] == "record_already_sealed"
    patched = client.patch(
        f"/api/v1/records/{record_id}", data=json.dumps({"place": "别处"}), content_type="application/json"
    )
    assert patched.status_code == 409 and patched.json()["code"] == "record_sealed"
    assert ledger_size() == before

    signature_png = png(32, 16, 7)
    upload = client.post(
        f"/api/v1/cases/{case_id}/media",
        {"file": SimpleUploadedFile("签名.png", signature_png, "image/png"), "kind": "photo"},
    )
    assert upload.status_code == 201, upload.content
    assert upload.json()["sha256"] == hashlib.sha256(signature_png).hexdigest()
    for page in (1, 2):
        signed = post(
            client,
            f"/api/v1/records/{record_id}/signatures",
            {
                "signer_name": "林大海",
                "signer_role": "interviewee",
                "method": "handwritten",
                "page": page,
                "image_sha256": hashlib.sha256(signature_png).hexdigest(),
            },
        )
        assert signed.status_code == 201, signed.content

    # a correction supersedes the transcript; the original stays readable and unchanged
    original = client.get(f"/api/v1/records/{record_id}").json()
    corrected_content = dict(original["content"], interviewee_confirmation="以上笔录经本人核对无误(更正)")
    correction = post(
        client,
        f"/api/v1/records/{record_id}/corrections",
        {"content": corrected_content, "reason": "被询问人补充确认意见"},
    )
    assert correction.status_code == 201, correction.content
    assert client.get(f"/api/v1/records/{record_id}").json()["content"] == original["content"]
    history = client.get(f"/api/v1/records/{correction.json()['id']}/history").json()
    assert {record_id, correction.json()["id"]} <= {r["id"] for r in history}

    # review, service and archive, each with its records
    for stage, kinds in (
        ("review_decision", ("preliminary_review_opinion", "penalty_decision")),
        ("service_execution", ("service_receipt", "enforcement_report")),
    ):
        assert post(client, f"/api/v1/cases/{case_id}/stage", {"to_stage": stage}).status_code == 200
        for kind in kinds:
            made = post(client, f"/api/v1/cases/{case_id}/records", record_body(kind, ctx, officers))
            assert made.status_code == 201, made.content
            assert client.post(f"/api/v1/records/{made.json()['id']}/seal").status_code == 200
    assert post(client, f"/api/v1/cases/{case_id}/stage", {"to_stage": "archive"}).status_code == 200

    before = ledger_size()
    late = post(client, f"/api/v1/cases/{case_id}/records", record_body("service_receipt", ctx, officers))
    assert late.status_code == 409 and late.json()["code"] == "case_closed"
    assert ledger_size() == before

    # then: the whole ledger verifies
    out = StringIO()
    call_command("verify", stdout=out)
    assert "未发现问题" in out.getvalue()

    # and a byte changed in the transcript's row behind the application's back is caught
    with connection.cursor() as cursor:
        cursor.execute("UPDATE records_record SET place = %s WHERE id = %s", ["别处", record_id])
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("verify", stdout=out)
    assert f"record:{record_id}" in out.getvalue()
