"""The catalogue of record kinds (TEXT-01, domain-notes §1) and the pure validation of record content."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from quancheng.cases.models import Stage
from quancheng.core.errors import DomainError, ErrorCode
from quancheng.records.catalogue import (
    KINDS,
    KINDS_BY_CODE,
    NON_FIELD,
    SEIZURE_MAX_TERM_DAYS,
    FieldType,
    get_kind,
    validate_content,
    validate_participants,
)

# The kinds the issue names, by Chinese name: each must be in the catalogue.
REQUIRED_KIND_NAMES = (
    "立案审批表 不予立案记录 投诉举报登记 任务交办记录 执法装备准备记录 现场检查笔录 询问笔录 调取证据通知书 "
    "证据登记保存清单 登记保存证据通知书 查封扣押决定书 权利告知书 陈述申辩笔录 听证笔录 初审意见 集体讨论记录 "
    "鉴定意见书 专家论证报告 行政处罚告知书 行政处罚决定书 当场处罚决定书 送达回证 催告书 执法报告 内部程序审批表 "
    "一般执法活动记录"
).split()
REQUIREMENT_ID = re.compile(r"^[A-Z]+-\d{2}$")
SNAKE_CASE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
REQUIREMENTS_FILE = Path(__file__).resolve().parents[3] / "spec" / "requirements.yaml"


def test_catalogue_has_every_kind_the_issue_names() -> None:
    names = {kind.name for kind in KINDS}
    assert [n for n in REQUIRED_KIND_NAMES if n not in names] == []


def test_codes_are_unique_snake_case_and_names_unique() -> None:
    codes = [kind.code for kind in KINDS]
    assert len(set(codes)) == len(codes)
    assert len({kind.name for kind in KINDS}) == len(KINDS)
    assert [c for c in codes if not SNAKE_CASE.match(c)] == []


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.code)
def test_each_kind_is_well_formed(kind) -> None:
    assert kind.stages, "a kind must be recordable in some stage"
    assert Stage.ARCHIVE not in kind.stages, "archived cases take no new records"
    assert kind.requirements and all(REQUIREMENT_ID.match(r) for r in kind.requirements)
    assert any(spec.required for spec in kind.fields), "a sealed record must say something"
    names = [spec.name for spec in kind.fields]
    assert len(set(names)) == len(names)
    for spec in kind.fields:
        assert SNAKE_CASE.match(spec.name) and spec.label
        assert spec.requirements, f"{kind.code}.{spec.name} has no requirement id"
        assert all(REQUIREMENT_ID.match(r) for r in spec.requirements)
        assert bool(spec.choices) == (spec.type in {FieldType.CHOICE, FieldType.CHOICES})
        assert bool(spec.columns) == (spec.type == FieldType.ROWS)
        for column in spec.columns:
            assert column.type not in {FieldType.ROWS, FieldType.PARTY}


def test_requirement_ids_exist_in_the_requirements_file() -> None:
    known = set(re.findall(r"^- id: ([A-Z]+-\d{2})$", REQUIREMENTS_FILE.read_text(encoding="utf-8"), re.M))
    used = {r for kind in KINDS for r in kind.requirements}
    used |= {r for kind in KINDS for spec in kind.fields for r in spec.requirements}
    assert sorted(used - known) == []


@pytest.mark.parametrize(
    ("code", "per_page"),
    [
        ("inquiry_transcript", True),  # INV-11/12
        ("site_inspection_transcript", True),
        ("statement_defence_transcript", True),
        ("hearing_transcript", True),
        ("penalty_decision", False),
        ("service_receipt", False),
    ],
)
def test_transcripts_are_signed_page_by_page(code: str, per_page: bool) -> None:
    assert KINDS_BY_CODE[code].per_page_signatures is per_page


def test_unknown_kind_code_raises_unknown_record_kind() -> None:
    with pytest.raises(DomainError) as err:
        get_kind("no_such_kind")
    assert err.value.code == ErrorCode.UNKNOWN_RECORD_KIND


def test_penalty_decision_requires_the_six_items_of_decide_10() -> None:
    """DECIDE-10 ①–⑥: party, facts and evidence, type and basis, performance, remedy, agency and date."""
    errors = validate_content(get_kind("penalty_decision"), {}, complete=True)
    for name in ("party", "facts_evidence", "penalty_types", "legal_basis", "performance", "remedy"):
        assert errors[name] == ["此项为必填项"]
    for name in ("agency_name", "agency_stamp_affixed", "decided_on"):
        assert errors[name] == ["此项为必填项"]
    assert "fine_amount" not in errors  # a decision may impose no fine


# --- validate_content, one row per rule --------------------------------------------------------------

# (kind, content, complete, expected errors). Content is shape-checked always, completeness only when sealing.
CASES: list[tuple[str, Any, bool, dict[str, list[str]]]] = [
    ("appraisal_opinion", [], False, {NON_FIELD: ["记录内容应为对象(字段名到值的映射)"]}),
    ("appraisal_opinion", {}, False, {}),
    (
        "appraisal_opinion",
        {},
        True,
        {n: ["此项为必填项"] for n in ("institution", "subject", "conclusion", "issued_on")},
    ),
    ("appraisal_opinion", {"colour": "red"}, False, {"colour": ["未知字段:“鉴定意见书”没有此项"]}),
    # text
    ("appraisal_opinion", {"subject": 5}, False, {"subject": ["应为文本"]}),
    ("appraisal_opinion", {"institution": "x" * 257}, False, {"institution": ["不得超过256个字符"]}),
    ("appraisal_opinion", {"subject": "   "}, False, {}),
    (
        "appraisal_opinion",
        {"institution": "   ", "subject": "a", "conclusion": "b", "issued_on": "2026-03-01"},
        True,
        {"institution": ["此项为必填项"]},
    ),
    # date
    ("appraisal_opinion", {"issued_on": "2026-02-30"}, False, {"issued_on": ["应为日期,例如 2026-03-01"]}),
    ("appraisal_opinion", {"issued_on": "2026/03/01"}, False, {"issued_on": ["应为日期,例如 2026-03-01"]}),
    ("appraisal_opinion", {"issued_on": 20260301}, False, {"issued_on": ["应为日期,例如 2026-03-01"]}),
    ("appraisal_opinion", {"issued_on": "2026-03-01"}, False, {}),
    # datetime: an offset is required, so the moment is unambiguous
    ("rights_notice", {"notified_at": "2026-03-01T09:30:00+08:00"}, False, {}),
    ("rights_notice", {"notified_at": "2026-03-01T01:30:00Z"}, False, {}),
    (
        "rights_notice",
        {"notified_at": "2026-03-01T09:30:00"},
        False,
        {"notified_at": ["应为带时区的日期时间,例如 2026-03-01T09:30:00+08:00"]},
    ),
    (
        "rights_notice",
        {"notified_at": "yesterday"},
        False,
        {"notified_at": ["应为带时区的日期时间,例如 2026-03-01T09:30:00+08:00"]},
    ),
    # choice and choices
    ("rights_notice", {"method": "oral"}, False, {}),
    (
        "rights_notice",
        {"method": "pigeon"},
        False,
        {"method": ["应为以下之一:written(书面告知)、oral(口头告知)、served(送达告知)"]},
    ),
    ("rights_notice", {"rights": ["statement", "hearing"]}, False, {}),
    ("rights_notice", {"rights": "statement"}, False, {"rights": ["应为选项列表"]}),
    ("rights_notice", {"rights": ["statement", "statement"]}, False, {"rights": ["选项不得重复"]}),
    (
        "rights_notice",
        {"party": 7, "rights": [], "method": "oral", "notified_at": "2026-03-01T09:30:00+08:00"},
        True,
        {"rights": ["此项为必填项"]},
    ),
    # party reference
    ("rights_notice", {"party": 7}, False, {}),
    ("rights_notice", {"party": "7"}, False, {"party": ["应为本案当事人的编号(正整数)"]}),
    ("rights_notice", {"party": 0}, False, {"party": ["应为本案当事人的编号(正整数)"]}),
    ("rights_notice", {"party": True}, False, {"party": ["应为本案当事人的编号(正整数)"]}),
    # boolean
    ("inquiry_transcript", {"identity_verified": False}, False, {}),
    ("inquiry_transcript", {"identity_verified": 1}, False, {"identity_verified": ["应为是或否(true/false)"]}),
    ("inquiry_transcript", {"identity_verified": "false"}, False, {"identity_verified": ["应为是或否(true/false)"]}),
    # integer, with the DEADLINE-04 ceiling
    ("seizure_decision", {"term_days": 30}, False, {}),
    ("seizure_decision", {"term_days": SEIZURE_MAX_TERM_DAYS + 1}, False, {"term_days": ["不得大于30"]}),
    ("seizure_decision", {"term_days": 0}, False, {"term_days": ["不得小于1"]}),
    ("seizure_decision", {"term_days": 7.5}, False, {"term_days": ["应为整数"]}),
    ("seizure_decision", {"term_days": True}, False, {"term_days": ["应为整数"]}),
    # money: yuan as a decimal string
    ("penalty_decision", {"fine_amount": "200"}, False, {}),
    ("penalty_decision", {"fine_amount": "3000.50"}, False, {}),
    ("penalty_decision", {"fine_amount": "0.05"}, False, {}),
    *[
        (
            "penalty_decision",
            {"fine_amount": bad},
            False,
            {"fine_amount": ['应为以元为单位的金额文本,最多两位小数,例如 "200.00"']},
        )
        for bad in (200, 200.5, "200.555", "-5", "01", "1e3", "二百")
    ],
    # text list
    ("expert_opinion_report", {"experts": ["王教授", "李研究员"]}, False, {}),
    ("expert_opinion_report", {"experts": "王教授"}, False, {"experts": ["应为文本列表"]}),
    (
        "expert_opinion_report",
        {"experts": ["王教授", " ", 3]},
        False,
        {"experts": ["第2项应为非空文本", "第3项应为非空文本"]},
    ),
    # rows: unknown columns and types always, missing cells only when sealing
    ("evidence_register", {"items": [{"name": "酸奶"}]}, False, {}),
    ("evidence_register", {"items": {"name": "酸奶"}}, False, {"items": ["应为表格:每行一个对象的列表"]}),
    ("evidence_register", {"items": ["酸奶"]}, False, {"items": ["第1行应为对象"]}),
    ("evidence_register", {"items": [{"name": "酸奶", "colour": "白"}]}, False, {"items": ["第1行含有未知列“colour”"]}),
    ("evidence_register", {"items": [{"name": 1}]}, False, {"items": ["第1行“证据名称”应为文本"]}),
    (
        "evidence_register",
        {
            "items": [{"name": "酸奶", "source": "货架", "storage": "冷藏"}],
            "collected_at": "2026-03-01T10:00:00+08:00",
            "collected_place": "门店",
            "custodian": "张三",
        },
        True,
        {"items": ["第1行“采集过程和方法”为必填项"]},
    ),
    (
        "task_assignment",
        {"assignees": [{"name": "张三", "duty": "询问"}, {"name": "", "duty": 3}]},
        False,
        {"assignees": ["第2行“分工”应为文本"]},
    ),
    # cross-field rules: a fine states its amount, a warning none (DECIDE-02)
    (
        "on_the_spot_penalty_decision",
        {"penalty_type": "warning", "fine_amount": "50"},
        False,
        {"fine_amount": ["警告不得填写罚款数额"]},
    ),
    # 留置送达 needs a witness (SERVE-01)
    (
        "service_receipt",
        {
            "document_served": "行政处罚决定书",
            "recipient": "陈某",
            "method": "left",
            "served_at": "2026-03-01T10:00:00+08:00",
            "served_place": "门店",
        },
        True,
        {"witness": ["留置送达应当载明见证人"]},
    ),
    (
        "service_receipt",
        {
            "document_served": "行政处罚决定书",
            "recipient": "陈某",
            "method": "direct",
            "served_at": "2026-03-01T10:00:00+08:00",
            "served_place": "门店",
        },
        True,
        {},
    ),
]


@pytest.mark.parametrize(("code", "content", "complete", "expected"), CASES)
def test_validate_content(code: str, content: Any, complete: bool, expected: dict[str, list[str]]) -> None:
    assert validate_content(get_kind(code), content, complete=complete) == expected


def _on_the_spot(**overrides: Any) -> dict[str, Any]:
    content = {
        "document_number": "示市监当〔2026〕1号",
        "party": 1,
        "facts": "销售过期食品",
        "legal_basis": "《食品安全法》第一百二十四条",
        "penalty_type": "fine",
        "fine_amount": "50",
        "remedy": "可于六十日内申请行政复议或六个月内提起行政诉讼",
        "agency_name": "示例市市场监督管理局",
    }
    content.update(overrides)
    return {k: v for k, v in content.items() if v is not None}


@pytest.mark.parametrize(
    ("content", "complete", "expected"),
    [
        (_on_the_spot(), True, {}),
        (_on_the_spot(fine_amount=None), True, {"fine_amount": ["处以罚款的,应当载明罚款数额"]}),
        (_on_the_spot(fine_amount=None), False, {}),  # a draft may leave the amount for later
        (_on_the_spot(penalty_type="warning", fine_amount=None), True, {}),
    ],
)
def test_fine_needs_its_amount_when_sealing(content, complete, expected) -> None:
    """DECIDE-02: 当场处罚决定书 states the fine's amount."""
    assert validate_content(get_kind("on_the_spot_penalty_decision"), content, complete=complete) == expected


def test_cross_field_rules_wait_for_well_shaped_fields() -> None:
    errors = validate_content(get_kind("on_the_spot_penalty_decision"), _on_the_spot(fine_amount=50), complete=True)
    assert list(errors) == ["fine_amount"]
    assert errors["fine_amount"] == ['应为以元为单位的金额文本,最多两位小数,例如 "200.00"']


# --- participants ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "participants", "expected"),
    [
        ("general_activity_record", [], []),
        ("general_activity_record", [{"name": "张三", "role": "officer", "certificate_number": "SJ-1"}], []),
        ("general_activity_record", "张三", ["参与人员应为列表"]),
        ("general_activity_record", ["张三"], ["第1位参与人员应为对象"]),
        ("general_activity_record", [{"name": "张三"}], ["第1位参与人员缺少身份"]),
        ("general_activity_record", [{"name": " ", "role": "officer"}], ["第1位参与人员缺少姓名"]),
        ("general_activity_record", [{"name": "张三", "role": "king"}], ["第1位参与人员的身份“king”无效"]),
        ("general_activity_record", [{"name": "张三", "role": "officer", "age": 3}], ["第1位参与人员含有未知项“age”"]),
        (
            "general_activity_record",
            [{"name": "张三", "role": "officer", "certificate_number": 1}],
            ["第1位参与人员的执法证号应为文本"],
        ),
        # INV-09: one interviewee per inquiry; other kinds have no such limit
        ("inquiry_transcript", [{"name": "陈某", "role": "interviewee"}], []),
        (
            "inquiry_transcript",
            [{"name": "陈某", "role": "interviewee"}, {"name": "王某", "role": "interviewee"}],
            ["询问应当个别进行,每份笔录至多1名被询问人"],
        ),
        (
            "general_activity_record",
            [{"name": "陈某", "role": "interviewee"}, {"name": "王某", "role": "interviewee"}],
            [],
        ),
    ],
)
def test_validate_participants(code: str, participants: Any, expected: list[str]) -> None:
    assert validate_participants(get_kind(code), participants) == expected
