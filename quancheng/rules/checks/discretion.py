"""行政裁量权: a fine decided in a discretionary matter lies in the benchmark band the agency set for the violation
and its 情节档次 (DISCRETION-02), never outside the statutory limits (DISCRETION-03), and leaves the band only with
a stated reason and the principal head's approval (DISCRETION-04). Agencies without a benchmark table set none
of this off (the table is a parameter, ``discretion_benchmarks``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..facts import CaseFacts, RecordFact
from ..parameters import money
from ..registry import Severity, Violation, rule

B = Severity.BLOCKING
PARAMS = ["discretion_benchmarks"]


def _fined_decisions(facts: CaseFacts) -> Iterable[RecordFact]:
    for decision in facts.current_records("penalty_decision"):
        if money(decision.content.get("fine_amount")) is not None:
            yield decision


def _benchmark(params: Mapping[str, Any], code: Any) -> Mapping[str, Any] | None:
    return next((b for b in params["discretion_benchmarks"] or () if b["code"] == code), None)


@rule(
    "discretion-benchmark-selected",
    title="涉及行政裁量权的处罚须选择适用的裁量基准",
    requirements=["DISCRETION-01", "DISCRETION-02"],
    severity=B,
    on=["decide"],
    params=PARAMS,
)
def discretion_benchmark_selected(facts: CaseFacts, params: Mapping[str, Any]) -> Iterable[Violation]:
    if not params["discretion_benchmarks"]:
        return
    for decision in _fined_decisions(facts):
        code = decision.content.get("benchmark_code")
        if _benchmark(params, code) is None:
            yield Violation(
                f"行政处罚决定书须载明适用的裁量基准编号(本机关裁量基准中没有“{code or ''}”)",
                subject=str(decision.record_id),
            )


@rule(
    "discretion-statutory-limits",
    title="罚款不得超出法定的最低、最高数额",
    requirements=["DISCRETION-03"],
    severity=B,
    on=["decide"],
    params=PARAMS,
)
def discretion_statutory_limits(facts: CaseFacts, params: Mapping[str, Any]) -> Iterable[Violation]:
    for decision in _fined_decisions(facts):
        benchmark = _benchmark(params, decision.content.get("benchmark_code"))
        if benchmark is None:
            continue
        fine = money(decision.content["fine_amount"])
        low, high = money(benchmark["statutory_min"]), money(benchmark["statutory_max"])
        if not low <= fine <= high:
            yield Violation(
                f"罚款{fine}元超出法定幅度({low}至{high}元),不得作出",
                subject=str(decision.record_id),
            )


@rule(
    "discretion-within-band",
    title="罚款在裁量基准幅度内;偏离的须说明理由并经主要负责人批准",
    requirements=["DISCRETION-02", "DISCRETION-04"],
    severity=B,
    on=["decide"],
    params=PARAMS,
)
def discretion_within_band(facts: CaseFacts, params: Mapping[str, Any]) -> Iterable[Violation]:
    for decision in _fined_decisions(facts):
        benchmark = _benchmark(params, decision.content.get("benchmark_code"))
        if benchmark is None:
            continue
        fine = money(decision.content["fine_amount"])
        low, high = money(benchmark["fine_min"]), money(benchmark["fine_max"])
        if low <= fine <= high:
            continue
        if not decision.content.get("deviation_reason"):
            yield Violation(
                f"罚款{fine}元不在裁量基准“{benchmark['violation']}·{benchmark['level']}”的幅度({low}至{high}元)内,"
                "须在决定书中说明偏离理由",
                subject=str(decision.record_id),
            )
        elif not facts.approvals_for("discretion_deviation"):
            yield Violation("偏离裁量基准的处罚须经单位主要负责人批准", subject=str(decision.record_id))
