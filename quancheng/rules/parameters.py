"""The numbers the rules read, with defaults from current national law and the seed's own values on record.

An agency may set its own value (``AgencyParameter`` rows, through ``rules.services.agency_parameter_set``):
a province still applying the seed's 50/1000 yuan on-the-spot limits sets them; everyone else runs on the
2021 行政处罚法. Periods are ``{"amount": n, "unit": "day" | "working_day" | "month"}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from .calendar import DeadlineDate, WorkingCalendar

DAY = "day"
WORKING_DAY = "working_day"
MONTH = "month"
PERIOD_UNITS = {DAY: "日", WORKING_DAY: "个工作日", MONTH: "个月"}
INTEGER = "integer"
PERIOD = "period"
KINDS = "kinds"  # a list of record kind codes
BENCHMARKS = "benchmarks"  # the agency's 行政裁量权基准 table (DISCRETION-02)
BENCHMARK_FIELDS = frozenset(
    {"code", "violation", "level", "penalty_types", "fine_min", "fine_max", "statutory_min", "statutory_max"}
)


@dataclass(frozen=True)
class ParameterSpec:
    key: str
    label: str
    type: str  # INTEGER or PERIOD
    default: Any
    basis: str  # where the default comes from
    requirements: tuple[str, ...]
    seed: Any = None  # the seed's value, when it differs from current law
    minimum: int = 0


def period(amount: int, unit: str) -> dict[str, Any]:
    return {"amount": amount, "unit": unit}


PARAMETERS: dict[str, ParameterSpec] = {
    p.key: p
    for p in (
        ParameterSpec(
            "on_the_spot_max_fine_person",
            "当场处罚罚款上限(公民,元)",
            INTEGER,
            200,
            "《行政处罚法》(2021)第五十一条",
            ("DECIDE-01",),
            seed=50,
        ),
        ParameterSpec(
            "on_the_spot_max_fine_organisation",
            "当场处罚罚款上限(法人或者其他组织,元)",
            INTEGER,
            3000,
            "《行政处罚法》(2021)第五十一条",
            ("DECIDE-01",),
            seed=1000,
        ),
        ParameterSpec(
            "record_making_period",
            "执法活动完成后制作记录的期限",
            PERIOD,
            period(7, WORKING_DAY),
            "种子文件:不得超过七个工作日",
            ("DEADLINE-01",),
        ),
        ParameterSpec(
            "filing_decision_period",
            "发现线索后核查并决定是否立案的期限",
            PERIOD,
            period(15, DAY),
            "种子文件:发现之日起15日内",
            ("DEADLINE-02",),
        ),
        ParameterSpec(
            "preservation_decision_period",
            "先行登记保存后作出处理决定的期限",
            PERIOD,
            period(7, WORKING_DAY),
            "《行政处罚法》(2021)第五十六条、第八十五条",
            ("DEADLINE-03",),
        ),
        ParameterSpec(
            "seizure_term",
            "查封、扣押、封存的期限",
            PERIOD,
            period(30, DAY),
            "《行政强制法》第二十五条",
            ("DEADLINE-04",),
        ),
        ParameterSpec(
            "seizure_extension_max_days",
            "查封、扣押、封存延长的最长日数",
            INTEGER,
            30,
            "《行政强制法》第二十五条",
            ("DEADLINE-04", "EVID-13"),
        ),
        ParameterSpec(
            "decision_period",
            "立案后作出处理决定的期限",
            PERIOD,
            period(90, DAY),
            "《行政处罚法》(2021)第六十条",
            ("DEADLINE-05",),
            seed=period(3, MONTH),
        ),
        ParameterSpec(
            "decision_extension_days",
            "经单位负责人批准延长办案期限的日数",
            INTEGER,
            30,
            "种子文件:经单位负责人批准,可以延长30日",
            ("DECIDE-13",),
        ),
        ParameterSpec(
            "litigation_period",
            "当事人提起行政诉讼的期限",
            PERIOD,
            period(6, MONTH),
            "《行政诉讼法》第四十六条",
            ("DEADLINE-06",),
        ),
        ParameterSpec(
            "court_application_period",
            "起诉期限届满后申请人民法院强制执行的期限",
            PERIOD,
            period(3, MONTH),
            "《行政强制法》第五十三条",
            ("DEADLINE-06",),
            seed=period(180, DAY),
        ),
        ParameterSpec(
            "demand_wait_period",
            "催告书送达后至申请法院强制执行的最短间隔",
            PERIOD,
            period(10, WORKING_DAY),
            "《行政强制法》第五十四条、第六十九条",
            ("DEADLINE-07",),
        ),
        ParameterSpec(
            "statement_period",
            "告知后当事人陈述申辩、要求听证的期限",
            PERIOD,
            period(5, WORKING_DAY),
            "《行政处罚法》(2021)第六十四条、第八十五条",
            ("DEADLINE-08",),
        ),
        ParameterSpec(
            "emergency_approval_hours",
            "紧急情况事后补办批准手续的时限(小时)",
            INTEGER,
            24,
            "《行政强制法》第十九条",
            ("EVID-04",),
            minimum=1,
        ),
        ParameterSpec(
            "joint_review_min_members",
            "联合审理的最少科室负责人人数",
            INTEGER,
            3,
            "种子文件:召集3个以上相关科室负责人联合审理",
            ("REVIEW-03",),
            minimum=1,
        ),
        ParameterSpec(
            "dedicated_recorder_required",
            "是否要求由专门的执法记录人员记录(1 是,0 否)",
            INTEGER,
            0,
            "种子文件:有条件的,由专门的执法记录人员负责记录",
            ("STAFF-08",),
        ),
        ParameterSpec(
            "av_required_kinds",
            "本机关另行规定应当音像记录的文书类型",
            KINDS,
            [],
            "种子文件:其他应当采取音像记录的情形",
            ("AV-18", "AV-28"),
        ),
        ParameterSpec(
            "discretion_benchmarks",
            "行政裁量权基准(违法行为、情节档次 → 处罚种类、罚款幅度;法定最低、最高罚款)",
            BENCHMARKS,
            [],
            "各机关制定的裁量基准;未设置的不作基准检查",
            ("DISCRETION-01", "DISCRETION-02", "DISCRETION-03"),
        ),
        ParameterSpec(
            "deadline_warning_days",
            "期限届满前黄色预警的提前日数",
            INTEGER,
            3,
            "本系统默认值,各机关可调整",
            ("DEADLINE-02", "DEADLINE-05"),
        ),
    )
}


def validate(key: str, value: Any) -> str | None:
    """A Chinese message if ``value`` is not acceptable for parameter ``key``, else None."""
    spec = PARAMETERS.get(key)
    if spec is None:
        return f"未知的参数:{key}"
    if spec.type == KINDS:
        from quancheng.records.catalogue import KINDS_BY_CODE

        if not isinstance(value, list) or not all(isinstance(v, str) and v in KINDS_BY_CODE for v in value):
            return f"“{spec.label}”应为文书类型代码的列表,见 GET /api/v1/records/kinds"
        return None
    if spec.type == BENCHMARKS:
        return _benchmarks_problem(value)
    if spec.type == INTEGER:
        if not isinstance(value, int) or isinstance(value, bool) or value < spec.minimum or value > 10**9:
            return f"“{spec.label}”应为不小于{spec.minimum}的整数"
        return None
    if not isinstance(value, Mapping) or set(value) != {"amount", "unit"}:
        return f'“{spec.label}”应为期间,形如 {{"amount": 90, "unit": "day"}}'
    amount, unit = value["amount"], value["unit"]
    if unit not in PERIOD_UNITS:
        return f"期间单位只能是 {'、'.join(PERIOD_UNITS)}"
    if not isinstance(amount, int) or isinstance(amount, bool) or not 1 <= amount <= 10000:
        return "期间数额应为1至10000的整数"
    return None


def describe_period(value: Mapping[str, Any]) -> str:
    return f"{value['amount']}{PERIOD_UNITS[value['unit']]}"


def add_period(calendar: WorkingCalendar, start: Any, value: Mapping[str, Any]) -> DeadlineDate:
    """The last day of a period of ``value`` counted from the day of ``start`` (that day not counted)."""
    amount, unit = value["amount"], value["unit"]
    key = (start, amount, unit)
    found = calendar.period_cache.get(key)
    if found is None:
        if unit == WORKING_DAY:
            found = calendar.add_working_days(start, amount)
        elif unit == MONTH:
            found = calendar.add_calendar_months(start, amount)
        else:
            found = calendar.add_calendar_days(start, amount)
        calendar.period_cache[key] = found
    return found


def money(value: Any) -> Decimal | None:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() and amount >= 0 else None


def _benchmarks_problem(value: Any) -> str | None:
    if not isinstance(value, list):
        return "裁量基准应为列表,每项含 " + "、".join(sorted(BENCHMARK_FIELDS))
    codes: set[str] = set()
    for index, row in enumerate(value, start=1):
        if not isinstance(row, Mapping) or set(row) != BENCHMARK_FIELDS:
            return f"第{index}项裁量基准应恰好包含字段:{'、'.join(sorted(BENCHMARK_FIELDS))}"
        code = row["code"]
        if not isinstance(code, str) or not code.strip() or code in codes:
            return f"第{index}项裁量基准的编号为空或重复"
        codes.add(code)
        if not all(isinstance(row[k], str) for k in ("violation", "level", "penalty_types")):
            return f"第{index}项裁量基准的违法行为、情节档次、处罚种类应为文字"
        amounts = [money(row[k]) for k in ("statutory_min", "fine_min", "fine_max", "statutory_max")]
        if any(a is None for a in amounts):
            return f"第{index}项裁量基准的金额应为非负数"
        if not amounts[0] <= amounts[1] <= amounts[2] <= amounts[3]:
            return f"第{index}项裁量基准应满足 法定最低 ≤ 基准下限 ≤ 基准上限 ≤ 法定最高"
    return None
