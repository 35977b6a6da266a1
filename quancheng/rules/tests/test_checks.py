"""Rule checks over hand-built facts (pure, table-driven): thresholds, signatures, approvals, AV findings."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from quancheng.rules.calendar import WorkingCalendar
from quancheng.rules.facts import ApprovalFact, CaseFacts, MediaFact, PartyFact, RecordFact, SignatureFact
from quancheng.rules.parameters import PARAMETERS
from quancheng.rules.registry import all_rules, get_rule
from quancheng.rules.requirements import requirements

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 6, 1, 10, tzinfo=TZ)
DEFAULTS = {key: spec.default for key, spec in PARAMETERS.items()}


def base(**kwargs) -> CaseFacts:
    values = dict(
        case_id=1,
        agency_id=1,
        procedure="simple",
        step="clue",
        stage="program_start",
        act_type="penalty",
        opened_at=NOW,
        now=NOW,
        today=date(2026, 6, 1),
        calendar=WorkingCalendar(),
    )
    values.update(kwargs)
    return CaseFacts(**values)


def run(code: str, facts: CaseFacts, **params) -> list:
    rule = get_rule(code)
    values = {**DEFAULTS, **params}
    return list(rule.check(facts, {k: values[k] for k in rule.params}))


def record(kind: str, content: dict, *, signatures=(), pages: int = 1, rid: int = 5) -> RecordFact:
    return RecordFact(
        record_id=rid,
        kind=kind,
        stage="program_start",
        sealed=True,
        content=content,
        page_count=pages,
        signatures=tuple(signatures),
    )


@pytest.mark.parametrize(
    ("party_kind", "amount", "limits", "refused"),
    [
        ("person", "200", {}, False),  # 2021 law: up to 200 yuan for a citizen
        ("person", "200.01", {}, True),
        ("organisation", "3000", {}, False),
        ("organisation", "3000", {"on_the_spot_max_fine_organisation": 1000}, True),  # the seed's 1000
        ("person", "50", {"on_the_spot_max_fine_person": 50}, False),
        ("person", "60", {"on_the_spot_max_fine_person": 50}, True),
    ],
)
def test_on_the_spot_fine_limits_decide_01(party_kind, amount, limits, refused) -> None:
    decision = record("on_the_spot_penalty_decision", {"penalty_type": "fine", "fine_amount": amount, "party": 9})
    facts = base(parties=(PartyFact(9, party_kind, "x"),), records=(decision,), action="impose_on_the_spot")
    assert bool(run("on-the-spot-threshold", facts, **limits)) is refused


def test_a_warning_is_always_within_the_simple_procedure_decide_01() -> None:
    decision = record("on_the_spot_penalty_decision", {"penalty_type": "warning", "party": 9})
    facts = base(parties=(PartyFact(9, "person", "x"),), records=(decision,), action="impose_on_the_spot")
    assert run("on-the-spot-threshold", facts) == []


@pytest.mark.parametrize(
    ("signed_pages", "missing"),
    [((1, 2, 3), []), ((1, 3), [2]), ((), [1, 2, 3])],
)
def test_inquiry_transcript_needs_the_interviewee_on_every_page_inv_11_inv_12(signed_pages, missing) -> None:
    signatures = [SignatureFact(page=p, role="interviewee", method="handwritten") for p in signed_pages]
    transcript = record("inquiry_transcript", {}, signatures=signatures, pages=3)
    found = run("transcript-signed-every-page", base(sealing=transcript))
    assert [v.details["unsigned_pages"] for v in found] == ([missing] if missing else [])


def test_a_noted_refusal_counts_as_the_page_mark_decide_04() -> None:
    signatures = [SignatureFact(page=1, role="interviewee", method="refused")]
    transcript = record("inquiry_transcript", {}, signatures=signatures, pages=1)
    assert run("transcript-signed-every-page", base(sealing=transcript)) == []


def _approval(action: str, status: str, *, emergency: bool = False, record_id=None) -> ApprovalFact:
    return ApprovalFact(1, action, "unit_head", status, NOW, record_id=record_id, emergency=emergency)


@pytest.mark.parametrize(
    ("approvals", "refused"),
    [
        ((), True),
        ((_approval("coercive_measure", "pending"),), True),
        ((_approval("coercive_measure", "approved"),), False),
        ((_approval("coercive_measure", "pending", emergency=True),), False),  # EVID-04: approval follows
        ((_approval("coercive_measure", "rejected"),), True),
    ],
)
def test_seizure_needs_the_unit_heads_approval_evid_03_evid_04(approvals, refused) -> None:
    decision = record("seizure_decision", {"term_days": 30})
    assert bool(run("measure-approved", base(sealing=decision, approvals=approvals))) is refused


@pytest.mark.parametrize(
    ("method", "media", "flagged"),
    [
        ("left", (), True),  # AV-15
        ("left", (MediaFact(1, "video", 5),), False),
        ("left", (MediaFact(1, "photo", 5),), True),  # a photo is not audio/video
        ("mail", (), False),
    ],
)
def test_service_by_leaving_needs_audio_video_av_15(method, media, flagged) -> None:
    receipt = record("service_receipt", {"method": method})
    assert bool(run("av-service-left", base(records=(receipt,), media=media))) is flagged


def test_emergency_approval_overdue_after_the_parameter_hours_evid_04() -> None:
    requested = datetime(2026, 5, 30, 10, tzinfo=TZ)
    approval = dataclasses.replace(_approval("coercive_measure", "pending", emergency=True), requested_at=requested)
    assert run("emergency-approval-overdue", base(approvals=(approval,)))
    assert not run("emergency-approval-overdue", base(approvals=(approval,)), emergency_approval_hours=72)


def test_every_rule_cites_known_requirements_and_declares_known_parameters() -> None:
    known = requirements()
    for rule in all_rules():
        assert set(rule.requirements) <= set(known), rule.code
        assert set(rule.params) <= set(PARAMETERS), rule.code
        assert rule.on, rule.code


BENCHMARK = {
    "code": "SP-34-2",
    "violation": "销售超过保质期的食品",
    "level": "一般",
    "penalty_types": "警告;罚款",
    "fine_min": "5000",
    "fine_max": "20000",
    "statutory_min": "5000",
    "statutory_max": "100000",
}


@pytest.mark.parametrize(
    ("content", "approved", "rules_refusing"),
    [
        ({"fine_amount": "8000", "benchmark_code": "SP-34-2"}, False, set()),
        ({"fine_amount": "8000"}, False, {"discretion-benchmark-selected"}),  # DISCRETION-02: choose a band
        (
            {"fine_amount": "3000", "benchmark_code": "SP-34-2"},
            False,
            {"discretion-statutory-limits", "discretion-within-band"},
        ),
        ({"fine_amount": "30000", "benchmark_code": "SP-34-2"}, False, {"discretion-within-band"}),
        (
            {"fine_amount": "30000", "benchmark_code": "SP-34-2", "deviation_reason": "多次违法"},
            False,
            {"discretion-within-band"},
        ),
        ({"fine_amount": "30000", "benchmark_code": "SP-34-2", "deviation_reason": "多次违法"}, True, set()),
        (
            {"fine_amount": "200000", "benchmark_code": "SP-34-2", "deviation_reason": "x"},
            True,
            {"discretion-statutory-limits"},
        ),
    ],
)
def test_discretion_benchmarks_discretion_02_03_04(content, approved, rules_refusing) -> None:
    decision = record("penalty_decision", content)
    approvals = (_approval("discretion_deviation", "approved"),) if approved else ()
    facts = base(records=(decision,), approvals=approvals, action="decide")
    refusing = {
        code
        for code in ("discretion-benchmark-selected", "discretion-statutory-limits", "discretion-within-band")
        if run(code, facts, discretion_benchmarks=[BENCHMARK])
    }
    assert refusing == rules_refusing


def test_no_benchmark_table_means_no_benchmark_check_discretion_02() -> None:
    facts = base(records=(record("penalty_decision", {"fine_amount": "8000"}),), action="decide")
    assert run("discretion-benchmark-selected", facts) == []


@pytest.mark.parametrize(
    ("table", "valid"),
    [
        ([BENCHMARK], True),
        ([BENCHMARK, BENCHMARK], False),  # duplicate code
        ([{**BENCHMARK, "fine_min": "30000"}], False),  # band upside down
        ([{**BENCHMARK, "statutory_max": "10000"}], False),  # band beyond the statutory maximum
        ([{**BENCHMARK, "extra": 1}], False),
        ("SP-34-2", False),
    ],
)
def test_benchmark_table_validation_discretion_03(table, valid) -> None:
    from quancheng.rules.parameters import validate

    assert (validate("discretion_benchmarks", table) is None) is valid
