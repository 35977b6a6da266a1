"""End to end through the API: the four lifecycles of issue 3 — a general-procedure penalty case, a simple-procedure
(当场处罚) case, a case with a hearing, and a case ending in a court enforcement application. Each transition is
refused (409 with rule, requirement and the seed's words, nothing written) while its rule is not met, and accepted
once it is. Records are made through the record services (``quancheng.demo.procedure``); transitions, approvals,
parameters, deadlines and findings go through the HTTP API.
"""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from quancheng.cases import services as cases
from quancheng.cases.models import Case, Step
from quancheng.demo.procedure import Cast, approve, make_record, sign_as_required, walk
from quancheng.records import services as records
from quancheng.rules.requirements import quote
from quancheng.rules.services import rules_sweep

pytestmark = pytest.mark.django_db


def post(client, path: str, body: dict):
    return client.post(path, data=json.dumps(body), content_type="application/json")


def put(client, path: str, body: dict):
    return client.put(path, data=json.dumps(body), content_type="application/json")


@pytest.fixture
def party(zhangsan, agency):
    return cases.party_create(
        actor=zhangsan,
        agency=agency,
        kind="organisation",
        name="示例市鲜果超市有限公司",
        id_number="91350100M000100Y43",
        legal_representative="林大海",
    )


@pytest.fixture
def cast(zhangsan, lisi, principal_head, unit_head, reviewer, leader, party) -> Cast:
    return Cast(
        author=zhangsan,
        partner=lisi,
        principal_head=principal_head,
        unit_head=unit_head,
        reviewer=reviewer,
        party=party,
        leader=leader,
    )


def open_case(client, unit, handlers, party, procedure: str = "general") -> Case:
    response = post(
        client,
        "/api/v1/cases",
        {
            "unit_id": unit.pk,
            "title": "涉嫌销售过期食品案",
            "act_type": "penalty",
            "source": "inspection",
            "procedure": procedure,
            "handler_ids": [h.pk for h in handlers],
            "party_ids": [party.pk],
        },
    )
    assert response.status_code == 201, response.content
    return Case.objects.get(pk=response.json()["id"])


class Refusals:
    """Asserts a transition is refused by a given rule and writes nothing, or accepted."""

    def __init__(self, client, case: Case, ledger_size) -> None:
        self.client, self.case, self.ledger_size = client, case, ledger_size

    def refused(self, action: str, requirement: str) -> dict:
        before = self.ledger_size()
        response = post(self.client, f"/api/v1/cases/{self.case.pk}/transitions", {"action": action})
        assert response.status_code == 409, response.content
        body = response.json()
        assert body["code"] == "rule_violation"
        assert body["requirement"] == requirement, body
        assert body["quote"] == quote(requirement)
        assert body["rule"]
        assert self.ledger_size() == before
        return body

    def accepted(self, action: str, step: Step) -> dict:
        response = post(self.client, f"/api/v1/cases/{self.case.pk}/transitions", {"action": action})
        assert response.status_code == 200, response.content
        assert response.json()["step"] == step
        return response.json()


def test_general_procedure_penalty_case_end_to_end(
    api_client, zhangsan, lisi, principal_head, unit, cast, party, ledger_size
) -> None:
    """START-09, START-05, REVIEW-01, REVIEW-02, DECIDE-05, DECIDE-08, DECIDE-07, SERVE-01, EXEC-04 in order."""
    client = api_client(zhangsan)
    case = open_case(client, unit, [zhangsan, lisi], party)
    flow = Refusals(client, case, ledger_size)
    # given a clue: filing needs the principal head's approval, and the 立案审批表
    flow.refused("file_case", "START-09")
    requested = post(client, f"/api/v1/cases/{case.pk}/approvals", {"action": "file_case", "reason": "拟立案调查"})
    assert requested.status_code == 201 and requested.json()["approver_role"] == "principal_head"
    body = flow.refused("file_case", "START-09")
    assert "尚待批准" in body["message"]
    # the officer cannot approve it; the principal head can, and sees it among their pending approvals
    approval_id = requested.json()["id"]
    assert post(client, f"/api/v1/approvals/{approval_id}/decision", {"approve": True}).status_code == 403
    head = api_client(principal_head)
    assert [a["id"] for a in head.get("/api/v1/approvals").json()["items"]] == [approval_id]
    decided = post(head, f"/api/v1/approvals/{approval_id}/decision", {"approve": True, "comment": "同意立案"})
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    flow.refused("file_case", "START-05")
    make_record(case, cast, "case_filing_approval")
    flow.accepted("file_case", Step.INVESTIGATION)
    # the decision deadline (DEADLINE-05) now runs from the filing: 90 days by default
    deadline = next(d for d in client.get(f"/api/v1/cases/{case.pk}/deadlines").json() if d["code"] == "decision")
    assert deadline["requirement"] == "DEADLINE-05" and deadline["remaining_days"] >= 89
    # investigation → review: an investigation report with a handling opinion (REVIEW-01)
    flow.refused("submit_for_review", "REVIEW-01")
    make_record(case, cast, "inquiry_transcript")
    make_record(case, cast, "investigation_report")
    flow.accepted("submit_for_review", Step.LEGAL_REVIEW)
    # notice: the legal department's preliminary opinion (REVIEW-02), then the penalty notice (DECIDE-05)
    flow.refused("notify", "REVIEW-02")
    make_record(case, cast, "preliminary_review_opinion")
    flow.refused("notify", "DECIDE-05")
    make_record(case, cast, "penalty_notice")
    make_record(case, cast, "service_receipt", served_kind="penalty_notice", document_served="行政处罚告知书")
    flow.accepted("notify", Step.NOTICE)
    # decision: approval by the principal head (DECIDE-08), and not before the statement period (DECIDE-07)
    flow.refused("decide", "DECIDE-08")
    approve(case, cast, "penalty_decision")
    flow.refused("decide", "DECIDE-07")
    make_record(case, cast, "statement_defence_transcript", waived_rights=True)
    flow.refused("decide", "DECIDE-09")
    make_record(case, cast, "penalty_decision")
    flow.accepted("decide", Step.DECIDED)
    # service needs a proof of service of the decision (SERVE-01); closing needs the enforcement report (EXEC-04)
    flow.refused("serve_decision", "SERVE-01")
    make_record(case, cast, "service_receipt", served_kind="penalty_decision", document_served="行政处罚决定书")
    flow.accepted("serve_decision", Step.EXECUTION)
    flow.refused("close_case", "EXEC-04")
    make_record(case, cast, "enforcement_report")
    flow.accepted("close_case", Step.CLOSED)
    flow.accepted("archive", Step.ARCHIVED)
    # then the whole ledger verifies (the command raises CommandError on any problem)
    out = StringIO()
    call_command("verify", "--no-witness", stdout=out)
    assert "账本条目" in out.getvalue()


def test_simple_procedure_case_end_to_end(
    api_client, zhangsan, lisi, principal_head, unit, cast, party, ledger_size
) -> None:
    """DECIDE-01 (limits per agency parameter), DECIDE-03 signatures, then close and archive."""
    client = api_client(zhangsan)
    case = open_case(client, unit, [zhangsan, lisi], party, procedure="simple")
    # a fine above the organisation limit (3000 yuan by current law) cannot be sealed as an on-the-spot decision
    too_big = make_record(
        case, cast, "on_the_spot_penalty_decision", seal=False, penalty_type="fine", fine_amount="5000"
    )
    with pytest.raises(Exception) as err:
        records.record_seal(actor=zhangsan, record=too_big)
    assert getattr(err.value, "extra", {}).get("requirement") == "DECIDE-01"
    # the agency applies the seed's 1000 yuan instead (SUPERVISE-09: its principal head decides, with a reason)
    head = api_client(principal_head)
    assert (
        put(
            client, "/api/v1/rules/parameters/on_the_spot_max_fine_organisation", {"value": 1000, "reason": "x"}
        ).status_code
        == 403
    )
    changed = put(
        head, "/api/v1/rules/parameters/on_the_spot_max_fine_organisation", {"value": 1000, "reason": "省级规定"}
    )
    assert changed.status_code == 200
    assert next(p for p in changed.json() if p["key"] == "on_the_spot_max_fine_organisation")["value"] == 1000
    middle = make_record(
        case, cast, "on_the_spot_penalty_decision", seal=False, penalty_type="fine", fine_amount="2000"
    )
    with pytest.raises(Exception) as err:
        records.record_seal(actor=zhangsan, record=middle)
    assert getattr(err.value, "extra", {}).get("requirement") == "DECIDE-01"
    # a 500 yuan fine is within the limit, but the decision must carry handler's and party's signatures
    flow = Refusals(client, case, ledger_size)
    decision = make_record(
        case, cast, "on_the_spot_penalty_decision", sign=False, penalty_type="fine", fine_amount="500"
    )
    flow.refused("impose_on_the_spot", "DECIDE-03")
    sign_as_required(decision, cast)
    flow.accepted("impose_on_the_spot", Step.EXECUTION)
    flow.refused("close_case", "EXEC-04")
    make_record(case, cast, "enforcement_report")
    flow.accepted("close_case", Step.CLOSED)
    flow.accepted("archive", Step.ARCHIVED)


def test_case_with_a_hearing(api_client, zhangsan, lisi, unit, cast, party, ledger_size) -> None:
    """REVIEW-10/11 (written or signed oral request), REVIEW-12 (transcript signed), REVIEW-13 (back to the legal
    department), REVIEW-14/15 (a re-review that upholds the notified opinion needs no new notice), DECIDE-08."""
    client = api_client(zhangsan)
    case = open_case(client, unit, [zhangsan, lisi], party)
    walk(case, cast, Step.NOTICE)
    flow = Refusals(client, case, ledger_size)
    flow.refused("request_hearing", "REVIEW-10")
    make_record(case, cast, "hearing_request", form="oral")  # signed by the party (REVIEW-11)
    flow.accepted("request_hearing", Step.HEARING)
    flow.refused("close_hearing", "REVIEW-12")
    transcript = make_record(case, cast, "hearing_transcript", sign=False, seal=False)
    with pytest.raises(Exception) as err:
        records.record_seal(actor=zhangsan, record=transcript)
    assert getattr(err.value, "extra", {}).get("requirement") == "REVIEW-12"
    sign_as_required(transcript, cast)
    records.record_seal(actor=zhangsan, record=transcript)
    flow.accepted("close_hearing", Step.LEGAL_REVIEW)
    # after the re-review the decision needs the opinion upheld (else a new notice, REVIEW-14) and approval
    approve(case, cast, "penalty_decision")
    make_record(case, cast, "penalty_decision")
    flow.refused("decide", "DECIDE-07")
    make_record(case, cast, "preliminary_review_opinion", outcome="upheld")
    flow.accepted("decide", Step.DECIDED)


def test_case_ending_in_a_court_enforcement_application(
    api_client, zhangsan, lisi, unit, cast, party, ledger_size
) -> None:
    """EXEC-01 (催告 first), DEADLINE-07 (10 working days after its service), then the application."""
    client = api_client(zhangsan)
    case = open_case(client, unit, [zhangsan, lisi], party)
    walk(case, cast, Step.EXECUTION)
    flow = Refusals(client, case, ledger_size)
    flow.refused("issue_demand", "EXEC-01")
    make_record(case, cast, "payment_reminder")
    flow.accepted("issue_demand", Step.DEMAND)
    flow.refused("apply_to_court", "EXEC-01")  # no proof of service of the 催告书 yet
    receipt = make_record(case, cast, "service_receipt", served_kind="payment_reminder", document_served="催告书")
    body = flow.refused("apply_to_court", "DEADLINE-07")  # served today: wait 10 working days
    assert "催告书送达后须满10个工作日" in body["message"]
    waiting = next(d for d in client.get(f"/api/v1/cases/{case.pk}/deadlines").json() if d["code"] == "demand_wait")
    assert waiting["waiting"] and waiting["remaining_days"] >= 10
    # the receipt was wrong: the 催告书 was in fact served a month ago (a correction, the original kept)
    served = (timezone.localtime() - timedelta(days=30)).isoformat()
    records.record_correct(
        actor=zhangsan, record=receipt, content={**receipt.content, "served_at": served}, reason="送达日期登记有误"
    )
    flow.refused("apply_to_court", "EXEC-01")  # the application document itself
    make_record(case, cast, "court_enforcement_application")
    flow.accepted("apply_to_court", Step.COURT_ENFORCEMENT)


def test_sweep_marks_yellow_then_red_and_a_waiver_is_recorded(
    api_client, zhangsan, lisi, unit, unit_head, cast, party
) -> None:
    """DEADLINE-02: 15 days to decide whether to file; the sweep warns 3 days before (yellow) and after (red)."""
    client = api_client(zhangsan)
    case = open_case(client, unit, [zhangsan, lisi], party)
    make_record(case, cast, "case_filing_approval")
    soon = timezone.now() + timedelta(days=13)
    rules_sweep(now=soon)
    findings = client.get(f"/api/v1/cases/{case.pk}/findings?status=open").json()
    assert [(f["requirement"], f["level"]) for f in findings] == [("DEADLINE-02", "yellow")]
    rules_sweep(now=timezone.now() + timedelta(days=20))
    findings = client.get(f"/api/v1/cases/{case.pk}/findings?status=open").json()
    assert [(f["requirement"], f["level"]) for f in findings] == [("DEADLINE-02", "red")]
    # an officer cannot waive; the unit head can, with a reason, and the waiver is kept
    red = findings[0]["id"]
    assert post(client, f"/api/v1/findings/{red}/waive", {"reason": "x"}).status_code == 403
    waived = post(api_client(unit_head), f"/api/v1/findings/{red}/waive", {"reason": "当事人下落不明,核查顺延"})
    assert waived.status_code == 200 and waived.json()["status"] == "waived"
    rules_sweep(now=timezone.now() + timedelta(days=21))
    assert client.get(f"/api/v1/cases/{case.pk}/findings?status=open").json() == []
