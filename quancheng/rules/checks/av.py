"""Audio/video rules (AV-*) that the data model can see: an activity recorded in a record of a kind the seed
names must have audio or video linked to that record, or captured within its activity window. Warnings: the
seed says 条件允许 — a missing clip is a finding to explain, not a refusal."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..facts import CaseFacts, RecordFact
from ..registry import ON_SWEEP, Severity, Violation, rule

AV_KINDS = frozenset({"video", "audio"})
PHOTO_OR_AV = frozenset({"video", "audio", "photo"})


def _always(record: RecordFact) -> bool:
    return True


def _service_method(*methods: str) -> Callable[[RecordFact], bool]:
    return lambda record: record.content.get("method") in methods


@dataclass(frozen=True)
class AvRequirement:
    code: str
    requirements: tuple[str, ...]
    title: str
    kinds: frozenset[str]
    applies: Callable[[RecordFact], bool] = _always
    media: frozenset[str] = AV_KINDS


AV_REQUIREMENTS: tuple[AvRequirement, ...] = (
    AvRequirement(
        "av-questioning", ("AV-08", "AV-21"), "询问当事人或有关人员应全程录音录像", frozenset({"inquiry_transcript"})
    ),
    AvRequirement(
        "av-site-inspection",
        # AV-03..06 and AV-10 are moments of one site inspection (arrival, briefing, mandatory areas, debrief, the
        # enterprise's people signing); the transcript's audio/video covers them.
        ("AV-01", "AV-03", "AV-04", "AV-05", "AV-06", "AV-09", "AV-10", "AV-20"),
        "现场检查、勘验应佩戴执法记录仪全程录音录像",
        frozenset({"site_inspection_transcript"}),
    ),
    AvRequirement(
        "av-service-left",
        ("AV-15",),
        "以留置送达方式送达执法文书应录音录像",
        frozenset({"service_receipt"}),
        _service_method("left"),
    ),
    AvRequirement(
        "av-service-announcement",
        ("AV-16",),
        "以公告送达方式送达执法文书应录音录像",
        frozenset({"service_receipt"}),
        _service_method("announcement"),
    ),
    AvRequirement(
        "av-service",
        ("AV-22",),
        "直接送达文书应使用执法记录仪记录",
        frozenset({"service_receipt"}),
        _service_method("direct"),
    ),
    AvRequirement(
        "av-rights-notice",
        ("AV-07",),
        "告知当事人权利、义务及应执行的指令时应录音录像",
        frozenset({"rights_notice"}),
        lambda record: record.content.get("method") == "oral",
    ),
    AvRequirement(
        "av-simple-procedure",
        ("AV-14",),
        "实施简易程序、当场处罚应录音录像",
        frozenset({"on_the_spot_penalty_decision"}),
    ),
    AvRequirement(
        "av-statement-hearing",
        ("AV-23",),
        "当事人陈述申辩或者行政听证应使用执法记录仪记录",
        frozenset({"statement_defence_transcript", "hearing_transcript"}),
    ),
    AvRequirement(
        "av-coercion",
        ("AV-11", "AV-24"),
        "采取现场处理措施、行政强制应使用执法记录仪记录",
        frozenset({"seizure_decision", "preservation_notice"}),
    ),
    AvRequirement(
        "av-evidence-photos",
        ("AV-12", "AV-13"),
        "调取原始凭证困难或抽样不能提取原物的,应照相、录像取证",
        frozenset({"evidence_register"}),
        media=PHOTO_OR_AV,
    ),
    AvRequirement(
        "av-disposal",
        ("DISPOSAL-01",),
        "罚没物品监督销毁应有音像记录",
        frozenset({"disposal_record"}),
        lambda record: record.content.get("method") == "destruction",
    ),
)


def _covered(facts: CaseFacts, record: RecordFact, media_kinds: frozenset[str]) -> bool:
    if any(m.kind in media_kinds for m in facts.media_for_record(record.record_id)):
        return True
    start, end = record.activity_started_at, record.activity_ended_at
    if start is None or end is None:
        return False
    return any(
        m.kind in media_kinds and m.record_id is None and m.captured_at is not None and start <= m.captured_at <= end
        for m in facts.media
    )


def _register(requirement: AvRequirement) -> None:
    def check(facts: CaseFacts, params: Mapping[str, Any]) -> Iterable[Violation]:
        for record in facts.current_records(*requirement.kinds):
            if requirement.applies(record) and not _covered(facts, record, requirement.media):
                yield Violation(
                    f"{requirement.title}:记录 #{record.record_id} 未关联音像资料,也无活动时间内拍摄的音像资料",
                    subject=str(record.record_id),
                )

    rule(
        requirement.code,
        title=requirement.title,
        requirements=requirement.requirements,
        severity=Severity.WARNING,
        on=[ON_SWEEP],
    )(check)


for _requirement in AV_REQUIREMENTS:
    _register(_requirement)


@rule(
    "av-major-case",
    title="部门联合执法及其他重大执法活动应使用执法记录仪记录",
    requirements=["AV-25"],
    severity=Severity.WARNING,
    on=[ON_SWEEP],
)
def av_major_case(facts: CaseFacts, params: Mapping[str, Any]) -> Iterable[Violation]:
    if facts.is_major and facts.step not in ("clue",) and not any(m.kind in AV_KINDS for m in facts.media):
        yield Violation("重大执法活动尚无执法记录仪音像记录")


@rule(
    "av-complaint-case",
    title="举报投诉案件查处应使用执法记录仪记录",
    requirements=["AV-27"],
    severity=Severity.WARNING,
    on=[ON_SWEEP],
)
def av_complaint_case(facts: CaseFacts, params: Mapping[str, Any]) -> Iterable[Violation]:
    if (
        facts.has_record("complaint_registration")
        and facts.step not in ("clue", "not_filed")
        and not any(m.kind in AV_KINDS for m in facts.media)
    ):
        yield Violation("举报投诉案件的查处尚无执法记录仪音像记录")


@rule(
    "av-routine-supervision",
    title="日常监督检查应使用执法记录仪记录",
    requirements=["AV-19"],
    severity=Severity.WARNING,
    on=[ON_SWEEP],
)
def av_routine_supervision(facts: CaseFacts, params: Mapping[str, Any]) -> Iterable[Violation]:
    if facts.act_type != "inspection":
        return
    for record in facts.current_records("general_activity_record", "site_inspection_transcript"):
        if not _covered(facts, record, AV_KINDS):
            yield Violation(
                f"日常监督检查记录 #{record.record_id} 未关联执法记录仪音像资料", subject=str(record.record_id)
            )


@rule(
    "av-agency-configured",
    title="本机关规定的其他应当音像记录的情形",
    requirements=["AV-18", "AV-28"],
    severity=Severity.WARNING,
    on=[ON_SWEEP],
    params=["av_required_kinds"],
)
def av_agency_configured(facts: CaseFacts, params: Mapping[str, Any]) -> Iterable[Violation]:
    kinds = tuple(params["av_required_kinds"] or ())
    if not kinds:
        return
    for record in facts.current_records(*kinds):
        if not _covered(facts, record, AV_KINDS):
            yield Violation(
                f"本机关规定该类记录应有音像记录:记录 #{record.record_id} 未关联音像资料", subject=str(record.record_id)
            )
