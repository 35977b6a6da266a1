"""End to end through the API: a general-procedure case from filing to archive, then `verify`.

Each move is a transition (POST /cases/{id}/transitions) resting on the records and approvals the rules ask
for; the approvals are asked for by the handler and decided by the principal head over the API. Each refusal
on the way (STAFF-01 staffing, START-09 filing without approval, sealing an unsigned 笔录, editing a sealed
record, sealing twice, deciding without approval, writing to an archived case) is checked to write nothing;
at the end the ledger verifies, and a byte changed behind the application's back is caught.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from quancheng.accounts import services as accounts
from quancheng.cases.identifiers import uscc_check_char
from quancheng.demo.media import png
from quancheng.demo.records import sample_content
from quancheng.records.catalogue import get_kind

pytestmark = pytest.mark.django_db


def post(client, path: str, body: dict):
    return client.post(path, data=json.dumps(body), content_type="application/json")


def record_body(kind: str, ctx: dict, officers: list[dict], interviewee: str | None = None, **content) -> dict:
    spec = get_kind(kind)
    participants = [
        {"name": o["name"], "role": "officer", "certificate_number": o["certificate_number"]} for o in officers
    ]
    if interviewee:
        participants.append({"name": interviewee, "role": "interviewee"})
    start = timezone.localtime() - timedelta(hours=3)
    return {
        "kind": kind,
        "content": sample_content(spec, ctx) | content,
        "activity_started_at": start.isoformat(),
        "activity_ended_at": (start + timedelta(minutes=40)).isoformat(),
        "place": "示例市中山路12号",
        "participants": participants,
        "page_count": 2 if spec.per_page_signatures else 1,
    }


# Who signs every page of a 笔录 before it is sealed (INV-11/12, STAFF-03, INV-08).
PAGE_SIGNER_ROLE = {
    "inquiry_transcript": "interviewee",
    "site_inspection_transcript": "party",
    "statement_defence_transcript": "party",
}


def sign(client, record_id: int, *, role: str, name: str, image: str, page: int | None, user_id: int | None = None):
    body = {"signer_name": name, "signer_role": role, "method": "handwritten", "page": page, "image_sha256": image}
    if user_id is not None:
        body["signer_user_id"] = user_id
    return post(client, f"/api/v1/records/{record_id}/signatures", body)


def sign_transcript(client, record_id: int, kind: str, *, person: str, officer, image: str, pages: int = 2) -> None:
    """The person signs every page, the officer once (INV-11/12, GEN-06)."""
    for page in range(1, pages + 1):
        signed = sign(client, record_id, role=PAGE_SIGNER_ROLE[kind], name=person, image=image, page=page)
        assert signed.status_code == 201, signed.content
    signed = sign(client, record_id, role="officer", name=officer.full_name, image=image, page=1, user_id=officer.pk)
    assert signed.status_code == 201, signed.content


def test_general_procedure_case_from_filing_to_archive_then_verify(
    api_client, zhangsan, lisi, principal_head, unit, agency, ledger_size
) -> None:
    # given: an officer without a certificate, and two with valid ones
    wangwu = accounts.user_create(
        actor=None, username="wangwu", full_name="王五", agency=agency, unit=unit, roles=("officer",)
    )
    client = api_client(zhangsan)
    head = api_client(principal_head)
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

    # when: the case is opened with one certified handler and one without a certificate
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
    assert case["next_actions"] == ["file_case", "decline_filing"]
    case_id = case["id"]
    transitions = f"/api/v1/cases/{case_id}/transitions"

    officers = [{"name": u.full_name, "certificate_number": u.certificates.get().number} for u in (zhangsan, lisi)]
    ctx = {
        "party": type("P", (), {"pk": party_id})(),
        "officers": officers,
        "names": {
            "interviewee_name": "林大海",
            "interviewee_id_document": "居民身份证",
            "recipient": "示例市鲜果超市有限公司",
            "recorder": lisi.full_name,
        },
    }

    def make(kind: str, **content) -> int:
        """Draft and seal a record of ``kind`` that needs no signature (the 笔录 are signed below)."""
        made = post(client, f"/api/v1/cases/{case_id}/records", record_body(kind, ctx, officers, **content))
        assert made.status_code == 201, made.content
        sealed = client.post(f"/api/v1/records/{made.json()['id']}/seal")
        assert sealed.status_code == 200, sealed.content
        return made.json()["id"]

    def approve(action: str) -> None:
        """The handler asks, the principal head approves (START-09, DECIDE-08)."""
        asked = post(client, f"/api/v1/cases/{case_id}/approvals", {"action": action, "reason": "按规定报请批准"})
        assert asked.status_code == 201, asked.content
        assert asked.json()["approver_role"] == "principal_head"
        decided = post(head, f"/api/v1/approvals/{asked.json()['id']}/decision", {"approve": True, "comment": "同意"})
        assert decided.status_code == 200 and decided.json()["status"] == "approved", decided.content

    def move(action: str, step: str) -> None:
        moved = post(client, transitions, {"action": action})
        assert moved.status_code == 200, moved.content
        assert moved.json()["step"] == step

    # 立案: the 立案审批表 is made
    make("case_filing_approval")
    # then: STAFF-01 refuses the investigation with one certified handler, writing nothing
    before = ledger_size()
    refused = post(client, transitions, {"action": "file_case"})
    assert refused.status_code == 409
    assert refused.json()["code"] == "staffing_insufficient"
    assert ledger_size() == before

    # when: a second certified officer is assigned
    handlers = client.put(
        f"/api/v1/cases/{case_id}/handlers",
        data=json.dumps({"handler_ids": [zhangsan.pk, lisi.pk], "lead_id": zhangsan.pk}),
        content_type="application/json",
    )
    assert handlers.status_code == 200, handlers.content
    # then: without the principal head's approval filing is still refused (START-09), nothing written
    before = ledger_size()
    refused = post(client, transitions, {"action": "file_case"})
    assert refused.status_code == 409
    assert (refused.json()["code"], refused.json()["requirement"]) == ("rule_violation", "START-09")
    assert refused.json()["quote"]
    assert ledger_size() == before
    # once approved, the case is filed and enters investigation
    approve("file_case")
    move("file_case", "investigation")

    signature_png = png(32, 16, 7)
    upload = client.post(
        f"/api/v1/cases/{case_id}/media",
        {"file": SimpleUploadedFile("签名.png", signature_png, "image/png"), "kind": "photo"},
    )
    assert upload.status_code == 201, upload.content
    image = hashlib.sha256(signature_png).hexdigest()
    assert upload.json()["sha256"] == image

    # an inquiry transcript: drafted; unsigned it cannot be sealed (INV-11), nothing written
    draft = post(
        client,
        f"/api/v1/cases/{case_id}/records",
        record_body("inquiry_transcript", ctx, officers, interviewee="林大海"),
    )
    assert draft.status_code == 201, draft.content
    record_id = draft.json()["id"]
    before = ledger_size()
    unsigned = client.post(f"/api/v1/records/{record_id}/seal")
    assert unsigned.status_code == 409 and unsigned.json()["code"] == "rule_violation"
    assert unsigned.json()["requirement"] and unsigned.json()["quote"]
    assert ledger_size() == before
    # signed on every page with the uploaded signature image, then sealed
    sign_transcript(client, record_id, "inquiry_transcript", person="林大海", officer=zhangsan, image=image)
    sealed = client.post(f"/api/v1/records/{record_id}/seal")
    assert sealed.status_code == 200, sealed.content

    before = ledger_size()
    assert client.post(f"/api/v1/records/{record_id}/seal").json()["code"] == "record_already_sealed"
    patched = client.patch(
        f"/api/v1/records/{record_id}", data=json.dumps({"place": "别处"}), content_type="application/json"
    )
    assert patched.status_code == 409 and patched.json()["code"] == "record_sealed"
    assert ledger_size() == before

    # a correction supersedes the transcript (drafted, signed again, sealed); the original stays unchanged
    original = client.get(f"/api/v1/records/{record_id}").json()
    corrected_content = dict(original["content"], interviewee_confirmation="以上笔录经本人核对无误(更正)")
    correction = post(
        client,
        f"/api/v1/records/{record_id}/corrections",
        {"content": corrected_content, "reason": "被询问人补充确认意见", "seal": False},
    )
    assert correction.status_code == 201, correction.content
    correction_id = correction.json()["id"]
    sign_transcript(client, correction_id, "inquiry_transcript", person="林大海", officer=zhangsan, image=image)
    assert client.post(f"/api/v1/records/{correction_id}/seal").status_code == 200
    assert client.get(f"/api/v1/records/{record_id}").json()["content"] == original["content"]
    history = client.get(f"/api/v1/records/{correction_id}/history").json()
    assert [r["id"] for r in history] == [record_id, correction_id]

    # the site inspection transcript and the investigation report; then the case goes to legal review
    inspection = post(
        client, f"/api/v1/cases/{case_id}/records", record_body("site_inspection_transcript", ctx, officers)
    )
    assert inspection.status_code == 201, inspection.content
    sign_transcript(
        client, inspection.json()["id"], "site_inspection_transcript", person="林大海", officer=lisi, image=image
    )
    assert client.post(f"/api/v1/records/{inspection.json()['id']}/seal").status_code == 200
    make("investigation_report")
    actions = {a["action"]: a for a in client.get(f"/api/v1/cases/{case_id}/actions").json()}
    assert actions["submit_for_review"]["allowed"] is True, actions
    move("submit_for_review", "legal_review")

    # 告知: the review opinion, the notice and its service
    make("preliminary_review_opinion")
    make("penalty_notice")
    make("service_receipt", served_kind="penalty_notice", document_served="行政处罚告知书")
    move("notify", "notice")

    # 决定: the party's statement (waived), the decision, the principal head's approval (DECIDE-08)
    statement = post(
        client,
        f"/api/v1/cases/{case_id}/records",
        record_body("statement_defence_transcript", ctx, officers, waived_rights=True),
    )
    assert statement.status_code == 201, statement.content
    sign_transcript(
        client, statement.json()["id"], "statement_defence_transcript", person="林大海", officer=zhangsan, image=image
    )
    assert client.post(f"/api/v1/records/{statement.json()['id']}/seal").status_code == 200
    make("penalty_decision")
    before = ledger_size()
    unapproved = post(client, transitions, {"action": "decide"})
    assert unapproved.status_code == 409 and unapproved.json()["code"] == "rule_violation"
    assert unapproved.json()["rule"] and unapproved.json()["requirement"] and unapproved.json()["quote"]
    assert ledger_size() == before
    approve("penalty_decision")
    move("decide", "decided")

    # 送达执行, 结案, 归档
    make("service_receipt", served_kind="penalty_decision", document_served="行政处罚决定书")
    move("serve_decision", "execution")
    make("enforcement_report")
    move("close_case", "closed")
    move("archive", "archived")
    assert client.get(f"/api/v1/cases/{case_id}").json()["next_actions"] == []

    before = ledger_size()
    late = post(client, f"/api/v1/cases/{case_id}/records", record_body("service_receipt", ctx, officers))
    assert late.status_code == 409 and late.json()["code"] == "case_closed"
    again = post(client, transitions, {"action": "archive"})
    assert again.status_code == 409 and again.json()["code"] == "case_closed"
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
