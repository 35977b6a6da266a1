"""Every rule of the registry, table-driven over hand-built facts: each one reports a case that breaks it and stays
silent on one that keeps it (pure; no database).

Covers START-06, START-10, START-11, REVIEW-03, REVIEW-04, REVIEW-05, REVIEW-06, REVIEW-07, REVIEW-09, REVIEW-16,
DECIDE-06, DECIDE-09, DECIDE-11, DECIDE-12, DISCRETION-01, DISCRETION-04, DEADLINE-01, DEADLINE-03, DEADLINE-04,
DEADLINE-06, SERVE-02, EXEC-02, EVID-09, GEN-06, STAFF-03, STAFF-07, STAFF-08, STAFF-09, INV-08, INV-10,
DISPOSAL-01, DECIDE-14, EVID-13, REVIEW-11, and the audio/video items AV-01, AV-03, AV-04, AV-05, AV-06, AV-07,
AV-08, AV-09, AV-10, AV-11, AV-12, AV-13, AV-14, AV-16, AV-18, AV-19, AV-20, AV-21, AV-22, AV-23, AV-24, AV-25,
AV-27, AV-28.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from quancheng.rules.calendar import WorkingCalendar
from quancheng.rules.checks.av import AV_REQUIREMENTS
from quancheng.rules.facts import (
    ApprovalFact,
    CaseFacts,
    HandlerFact,
    MediaFact,
    RecordFact,
    SignatureFact,
    TransitionFact,
)
from quancheng.rules.parameters import PARAMETERS
from quancheng.rules.registry import all_rules, get_rule

TZ = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 6, 15)
NOW = datetime(2026, 6, 15, 10, tzinfo=TZ)
DEFAULTS = {key: spec.default for key, spec in PARAMETERS.items()}
OFFICERS = (HandlerFact(1, "张三", True, True), HandlerFact(2, "李四", False, True))


def facts(**kwargs) -> CaseFacts:
    values = dict(
        case_id=1,
        agency_id=1,
        procedure="general",
        step="investigation",
        stage="investigation_evidence",
        act_type="penalty",
        opened_at=NOW - timedelta(days=5),
        now=NOW,
        today=TODAY,
        calendar=WorkingCalendar(),
        handlers=OFFICERS,
    )
    values.update(kwargs)
    return CaseFacts(**values)


def rec(kind: str, rid: int = 10, *, sigs=(), pages: int = 1, author: int = 1, **content) -> RecordFact:
    return RecordFact(
        record_id=rid,
        kind=kind,
        stage="investigation_evidence",
        sealed=True,
        content=content,
        page_count=pages,
        created_at=NOW - timedelta(days=1),
        sealed_at=NOW - timedelta(days=1),
        activity_started_at=NOW - timedelta(days=1, hours=1),
        activity_ended_at=NOW - timedelta(days=1),
        author_id=author,
        signatures=tuple(sigs),
    )


def sig(role: str, page: int | None = 1) -> SignatureFact:
    return SignatureFact(page=page, role=role, method="handwritten")


def approval(action: str, status: str = "approved", *, record_id=None, at: datetime = NOW, **data) -> ApprovalFact:
    return ApprovalFact(
        approval_id=7,
        action=action,
        approver_role="unit_head",
        status=status,
        requested_at=at,
        decided_at=at if status != "pending" else None,
        record_id=record_id,
        data=data,
    )


def moved(action: str, to_step: str, at: datetime) -> TransitionFact:
    return TransitionFact(action=action, from_step="", to_step=to_step, at=at)


def run(code: str, f: CaseFacts, **params) -> list:
    rule = get_rule(code)
    values = {**DEFAULTS, **params}
    return list(rule.check(f, {k: values[k] for k in rule.params}))


LONG_AGO = NOW - timedelta(days=200)
SEIZURE = rec("seizure_decision", 30, issued_on=(TODAY - timedelta(days=40)).isoformat(), term_days=30)
PRESERVED = rec("preservation_notice", 31, issued_on=(TODAY - timedelta(days=20)).isoformat())
SERVED_DECISION = rec(
    "service_receipt", 32, served_kind="penalty_decision", served_at=(NOW - timedelta(days=300)).isoformat()
)
INQUIRY = rec(
    "inquiry_transcript",
    33,
    sigs=[sig("interviewee"), sig("officer")],
    identity_verified=True,
    rights_informed=True,
    interviewee_name="甲",
)

# rule code → (facts that break it, facts that keep it, parameters)
TABLE: dict[str, tuple[CaseFacts, CaseFacts, dict]] = {
    "non-initiation-record": (facts(action="decline_filing"), facts(records=(rec("non_initiation_record"),)), {}),
    "field-inspection-approved": (
        facts(records=(rec("site_inspection_transcript"),)),
        facts(records=(rec("site_inspection_transcript"),), approvals=(approval("field_inspection"),)),
        {},
    ),
    "major-case-approval": (facts(), facts(approvals=(approval("major_case_review"),)), {}),
    "joint-review-held": (
        facts(
            is_major=True,
            transitions=(moved("refer_to_joint_review", "joint_review", NOW),),
            records=(rec("collective_discussion", attendees=["甲", "乙"], sigs=[sig("attendee", None)]),),
        ),
        facts(
            is_major=True,
            transitions=(moved("refer_to_joint_review", "joint_review", NOW),),
            records=(rec("collective_discussion", attendees=["甲", "乙", "丙"], sigs=[sig("attendee", None)]),),
        ),
        {},
    ),
    "preliminary-review": (facts(), facts(records=(rec("preliminary_review_opinion"),)), {}),
    "decision-approved": (
        facts(approvals=(approval("penalty_decision", "pending"),)),
        facts(approvals=(approval("penalty_decision"),)),
        {},
    ),
    "non-penalty-approved": (facts(), facts(approvals=(approval("non_penalty_or_transfer"),)), {}),
    "decision-document": (facts(), facts(records=(rec("penalty_decision"),)), {}),
    "unpunished-violation-reported": (
        facts(transitions=(moved("decide_no_penalty", "closed", NOW),)),
        facts(transitions=(moved("decide_no_penalty", "closed", NOW),), records=(rec("enforcement_report"),)),
        {},
    ),
    "execution-recorded": (facts(), facts(records=(rec("enforcement_report"),)), {}),
    "reopen-review-statement": (facts(), facts(records=(rec("statement_defence_transcript"),)), {}),
    "statement-handled": (
        facts(step="decided", records=(rec("statement_defence_transcript"), rec("preliminary_review_opinion", 11))),
        facts(
            step="decided",
            records=(
                rec("statement_defence_transcript"),
                rec("preliminary_review_opinion", 11, statement_handling="部分采纳"),
            ),
        ),
        {},
    ),
    "record-made-in-time": (
        facts(records=(dataclasses.replace(rec("inquiry_transcript"), activity_ended_at=NOW - timedelta(days=30)),)),
        facts(records=(rec("inquiry_transcript"),)),
        {},
    ),
    "deadline-preservation": (
        facts(records=(PRESERVED,)),
        facts(
            records=(PRESERVED,), approvals=(approval("release_measure", record_id=31, at=NOW - timedelta(days=18)),)
        ),
        {},
    ),
    "preservation-auto-release": (
        facts(records=(PRESERVED,)),
        facts(
            records=(PRESERVED,), approvals=(approval("release_measure", record_id=31, at=NOW - timedelta(days=18)),)
        ),
        {},
    ),
    "deadline-seizure": (
        facts(records=(SEIZURE,)),
        facts(records=(SEIZURE,), approvals=(approval("extend_measure", record_id=30, days=30),)),
        {},
    ),
    "deadline-court-application": (
        facts(step="execution", records=(SERVED_DECISION,)),
        facts(
            step="execution",
            records=(SERVED_DECISION,),
            transitions=(moved("apply_to_court", "court_enforcement", NOW - timedelta(days=10)),),
        ),
        {},
    ),
    "extension-notice-served": (
        facts(approvals=(approval("extend_measure", record_id=30, days=10),)),
        facts(
            approvals=(approval("extend_measure", record_id=30, days=10),),
            records=(rec("service_receipt", served_kind="measure_extension_notice"),),
        ),
        {},
    ),
    "discretion-benchmark-selected": (
        facts(records=(rec("penalty_decision", fine_amount="8000", benchmark_code="NOPE"),)),
        facts(records=(rec("penalty_decision", fine_amount="8000", benchmark_code="B1"),)),
        {
            "discretion_benchmarks": [
                {
                    "code": "B1",
                    "violation": "v",
                    "level": "一般",
                    "penalty_types": "罚款",
                    "fine_min": "5000",
                    "fine_max": "20000",
                    "statutory_min": "0",
                    "statutory_max": "100000",
                }
            ]
        },
    ),
    "transcript-officers-signed": (
        facts(sealing=rec("inquiry_transcript", sigs=[sig("interviewee")])),
        facts(sealing=INQUIRY),
        {},
    ),
    "transcript-signed-every-page": (
        facts(sealing=rec("statement_defence_transcript", pages=2, sigs=[sig("party", 1), sig("officer")])),
        facts(sealing=rec("statement_defence_transcript", pages=2, sigs=[sig("party", 1), sig("party", 2)])),
        {},
    ),
    "review-minutes-signed": (
        facts(sealing=rec("collective_discussion", attendees=["甲", "乙", "丙"], sigs=[sig("attendee", None)] * 2)),
        facts(sealing=rec("collective_discussion", attendees=["甲", "乙", "丙"], sigs=[sig("attendee", None)] * 3)),
        {},
    ),
    "inquiry-identity-and-rights-first": (
        facts(sealing=rec("inquiry_transcript", identity_verified=True, rights_informed=False)),
        facts(sealing=INQUIRY),
        {},
    ),
    "deferral-approved": (
        facts(sealing=rec("payment_schedule_decision", 40)),
        facts(
            sealing=rec("payment_schedule_decision", 40, application_received_on="2026-06-01"),
            approvals=(approval("payment_deferral", record_id=40),),
        ),
        {},
    ),
    "records-by-handlers": (
        facts(records=(rec("inquiry_transcript", author=99),)),
        facts(records=(rec("inquiry_transcript", author=2), rec("preliminary_review_opinion", 11, author=99))),
        {},
    ),
    "dedicated-recorder": (
        facts(records=(rec("inquiry_transcript"),)),
        facts(records=(dataclasses.replace(rec("inquiry_transcript"), participants=({"role": "recorder"},)),)),
        {"dedicated_recorder_required": 1},
    ),
    "investigation-certified-handlers": (
        facts(handlers=(HandlerFact(1, "张三", True, True), HandlerFact(2, "王五", False, False))),
        facts(),
        {},
    ),
    "inquiry-individually": (
        facts(records=(INQUIRY, dataclasses.replace(INQUIRY, record_id=34, content={"interviewee_name": "乙"}))),
        facts(
            records=(
                INQUIRY,
                dataclasses.replace(
                    INQUIRY,
                    record_id=34,
                    content={"interviewee_name": "乙"},
                    activity_started_at=NOW - timedelta(hours=3),
                    activity_ended_at=NOW - timedelta(hours=2),
                ),
            )
        ),
        {},
    ),
    "further-extension-after-first": (
        facts(deciding=approval("further_extend_decision_period", "pending", days=30)),
        facts(
            deciding=approval("further_extend_decision_period", "pending", days=30),
            approvals=(approval("extend_decision_period"),),
        ),
        {},
    ),
    "seizure-extension-in-time": (
        facts(records=(SEIZURE,), deciding=approval("extend_measure", "pending", record_id=30, days=20)),
        facts(
            records=(dataclasses.replace(SEIZURE, content={"issued_on": (TODAY - timedelta(days=20)).isoformat()}),),
            deciding=approval("extend_measure", "pending", record_id=30, days=20),
        ),
        {},
    ),
    "oral-hearing-request-signed": (
        facts(sealing=rec("hearing_request", form="oral")),
        facts(sealing=rec("hearing_request", form="oral", sigs=[sig("party", None)])),
        {},
    ),
    "av-major-case": (facts(is_major=True), facts(is_major=True, media=(MediaFact(1, "video", None),)), {}),
    "av-complaint-case": (
        facts(records=(rec("complaint_registration"),)),
        facts(records=(rec("complaint_registration"),), media=(MediaFact(1, "audio", None),)),
        {},
    ),
    "av-routine-supervision": (
        facts(act_type="inspection", records=(rec("general_activity_record"),)),
        facts(act_type="inspection", records=(rec("general_activity_record"),), media=(MediaFact(1, "video", 10),)),
        {},
    ),
    "av-agency-configured": (
        facts(records=(rec("evidence_collection_notice"),)),
        facts(records=(rec("evidence_collection_notice"),), media=(MediaFact(1, "video", 10),)),
        {"av_required_kinds": ["evidence_collection_notice"]},
    ),
}


@pytest.mark.parametrize("code", sorted(TABLE))
def test_each_rule_reports_a_breach_and_passes_compliance(code: str) -> None:
    broken, kept, params = TABLE[code]
    assert run(code, broken, **params), f"{code} should report the breach"
    assert run(code, kept, **params) == [], f"{code} should pass the compliant case"


# What makes each AV requirement apply to its record (e.g. 留置送达 only for AV-15).
AV_CONTENT: dict[str, dict] = {
    "av-service-left": {"method": "left"},
    "av-service-announcement": {"method": "announcement"},
    "av-service": {"method": "direct"},
    "av-rights-notice": {"method": "oral"},
    "av-disposal": {"method": "destruction"},
}


@pytest.mark.parametrize("requirement", AV_REQUIREMENTS, ids=lambda r: r.code)
def test_each_audio_video_requirement_wants_media_of_its_activity(requirement) -> None:
    """AV-01, AV-03..AV-16, AV-20..AV-24, DISPOSAL-01: no clip → finding; a linked clip, or one captured during
    the activity, clears it; a clip of the wrong kind does not."""
    kind = sorted(requirement.kinds)[0]
    record = rec(kind, **AV_CONTENT.get(requirement.code, {}))
    good = "photo" if "photo" in requirement.media else "video"
    assert run(requirement.code, facts(records=(record,)))
    assert run(requirement.code, facts(records=(record,), media=(MediaFact(1, good, record.record_id),))) == []
    during = MediaFact(2, "video", None, captured_at=record.activity_ended_at - timedelta(minutes=5))
    assert run(requirement.code, facts(records=(record,), media=(during,))) == []
    if "photo" not in requirement.media:
        assert run(requirement.code, facts(records=(record,), media=(MediaFact(1, "photo", record.record_id),)))


def test_every_rule_is_in_a_table() -> None:
    """Each registered rule is exercised by a table here or in test_checks / test_deadlines / the e2e tests."""
    covered_elsewhere = {
        "on-the-spot-threshold",
        "on-the-spot-signed",
        "measure-approved",
        "av-service-left",
        "deadline-decision",
        "deadline-filing-decision",
        "emergency-approval-overdue",
        "discretion-statutory-limits",
        "discretion-within-band",
        "filing-approved",
        "filing-record",
        "review-submission",
        "penalty-notice",
        "hearing-request",
        "hearing-closed",
        "decision-after-notice",
        "decision-served",
        "demand-issued",
        "demand-waiting-period",
        "court-application-document",
        "stage-has-record",
        "decision-extension-in-time",
        "further-extension-after-first",
        "seizure-extension-in-time",
        "hearing-transcript-signed",
        "oral-hearing-request-signed",
        "disposal-approved",
        "release-approved",
    }
    av = {r.code for r in AV_REQUIREMENTS}
    missing = {r.code for r in all_rules()} - set(TABLE) - av - covered_elsewhere
    assert not missing, f"rules without a table test: {sorted(missing)}"
