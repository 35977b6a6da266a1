"""The traceability table: status per requirement from fake rules, MANUAL and a temporary tree of source and
test files; unknown ids make generation fail; the ``quancheng rules traceability`` command writes and checks."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from quancheng.rules.facts import CaseFacts
from quancheng.rules.manual import MANUAL
from quancheng.rules.registry import Rule, Severity, Violation
from quancheng.rules.requirements import requirements
from quancheng.rules.traceability import (
    CODE,
    MANUAL_STATUS,
    NOT_YET,
    RULE,
    TraceabilityError,
    compute,
    generate,
    render,
    scan_code,
    scan_tests,
)

CATALOGUE: dict[str, dict[str, Any]] = {
    "AV-15": {"id": "AV-15", "title_zh": "留置送达须音像记录", "kind": "mandatory-record"},
    "AV-16": {"id": "AV-16", "title_zh": "公告送达须音像记录", "kind": "mandatory-record"},
    "DEADLINE-05": {"id": "DEADLINE-05", "title_zh": "3个月内作出处理决定", "kind": "deadline"},
    "INV-11": {"id": "INV-11", "title_zh": "逐页签名", "kind": "signature"},
    "INV-12": {"id": "INV-12", "title_zh": "更正由被询问人确认", "kind": "signature"},
    "INTEGRITY-01": {"id": "INTEGRITY-01", "title_zh": "严禁篡改", "kind": "integrity"},
    "INTEGRITY-02": {"id": "INTEGRITY-02", "title_zh": "不得私自修改|删除", "kind": "integrity"},
    "INTEGRITY-03": {"id": "INTEGRITY-03", "title_zh": "不得故意遗漏", "kind": "integrity"},
    "STAFF-06": {"id": "STAFF-06", "title_zh": "记录人员的素质", "kind": "staffing"},
    "GEN-04": {"id": "GEN-04", "title_zh": "记录原则", "kind": "other"},
}


def no_violation(facts: CaseFacts, params: Mapping[str, Any]) -> Iterable[Violation]:
    return ()


# Built so that tests/test_requirement_citations.py does not read them as citations.
UNKNOWN_AV = "-".join(("AV", "99"))
UNKNOWN_STAFF = "-".join(("STAFF", "99"))


def fake_rule(code: str, *requirements: str, severity: Severity = Severity.BLOCKING) -> Rule:
    return Rule(
        code=code,
        title=code,
        requirements=requirements,
        severity=severity,
        check=no_violation,
        on=frozenset({"sweep"}),
    )


def write(root: Path, path: str, text: str) -> None:
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    write(
        tmp_path,
        "quancheng/records/services.py",
        '"""Records."""\n\n\ndef seal() -> None:\n    # INTEGRITY-01..02: a correction is a new row\n    pass\n',
    )
    write(tmp_path, "quancheng/records/catalogue.py", 'FIELDS = [("pages", "INV-11/12")]\n')
    write(tmp_path, "quancheng/records/tests/test_helpers_only.py", "X = 'AV-16'  # not a citation by code\n")
    write(tmp_path, "quancheng/records/migrations/0001_initial.py", "# AV-16\n")
    write(tmp_path, "quancheng/demo/builder.py", "# AV-16: demo data\n")
    write(tmp_path, "quancheng/records/lowercase.py", "# deadline_05 is not how source cites\n")
    write(
        tmp_path,
        "quancheng/records/tests/test_service.py",
        '"""Service by leaving a copy (AV-15)."""\n\n\n'
        "def test_deadline_05_due_date() -> None:\n    pass\n\n\n"
        "def test_DEADLINE_05_upper_case() -> None:\n    pass\n\n\n"
        'def test_pages() -> None:\n    """INV-11/12: signed on every page."""\n\n\n'
        "def helper_av_16() -> None:\n    pass\n\n\n"
        "def test_unknown_av_99() -> None:\n    pass\n\n\n"
        "def test_comment_only() -> None:\n    # AV-16 in a comment is not a citation by a test\n    pass\n",
    )
    write(
        tmp_path,
        "tests/e2e/test_lifecycle.py",
        'class Test_AV_16:\n    def test_notice(self) -> None:\n        """by public notice"""\n\n'
        '    def test_integrity_03_omission(self) -> None:\n        """Nothing left out."""\n\n\n'
        'class TestSealing:\n    """integrity-02 corrections"""\n\n    def test_x(self) -> None:\n        pass\n',
    )
    write(tmp_path, "tests/conftest.py", "def test_not_collected_av_15() -> None:\n    pass\n")
    return tmp_path


def test_scan_tests_finds_names_and_docstrings_in_either_case_and_separator(tree: Path) -> None:
    # given: the tree above
    # when
    cited = scan_tests(tree, CATALOGUE)

    # then
    svc = "quancheng/records/tests/test_service.py"
    e2e = "tests/e2e/test_lifecycle.py"
    assert cited == {
        "AV-15": {svc},
        "DEADLINE-05": {f"{svc}::test_deadline_05_due_date", f"{svc}::test_DEADLINE_05_upper_case"},
        "INV-11": {f"{svc}::test_pages"},
        "INV-12": {f"{svc}::test_pages"},
        "AV-16": {f"{e2e}::Test_AV_16"},
        "INTEGRITY-03": {f"{e2e}::Test_AV_16::test_integrity_03_omission"},
        "INTEGRITY-02": {f"{e2e}::TestSealing"},
    }


def test_scan_code_reads_source_outside_tests_migrations_and_demo(tree: Path) -> None:
    # given: the tree above
    # when
    cited = scan_code(tree, CATALOGUE)

    # then: ``INV-11/12`` and ``INTEGRITY-01..02`` name several ids; lower case does not count in source
    assert cited == {
        "INTEGRITY-01": {"quancheng/records/services.py"},
        "INTEGRITY-02": {"quancheng/records/services.py"},
        "INV-11": {"quancheng/records/catalogue.py"},
        "INV-12": {"quancheng/records/catalogue.py"},
    }


def test_status_precedence_rule_then_code_then_manual_then_not_yet() -> None:
    # given: AV-15 has a rule and a code citation, INV-11 code and a MANUAL entry, STAFF-06 only MANUAL
    rules = [
        fake_rule("sealing-av", "AV-15", "AV-16", severity=Severity.WARNING),
        fake_rule("av-at-service", "AV-15"),
    ]
    manual = {"INV-11": "reason one", "STAFF-06": "人事事项"}
    code = {"AV-15": ["quancheng/a.py"], "INV-11": ["quancheng/b.py", "quancheng/a.py"]}
    tests = {"STAFF-06": ["tests/test_z.py::test_b", "tests/test_z.py::test_a"]}

    # when
    entries = {e.id: e for e in compute(CATALOGUE, rules, manual, code, tests)}

    # then
    assert list(entries) == list(CATALOGUE)
    assert entries["AV-15"].status == RULE
    assert entries["AV-15"].rules == (("av-at-service", "blocking"), ("sealing-av", "warning"))
    assert entries["AV-15"].files == ()
    assert entries["AV-16"].rules == (("sealing-av", "warning"),)
    assert entries["INV-11"].status == CODE
    assert entries["INV-11"].files == ("quancheng/a.py", "quancheng/b.py")
    assert entries["INV-11"].note == "reason one"
    assert entries["STAFF-06"].status == MANUAL_STATUS
    assert entries["STAFF-06"].tests == ("tests/test_z.py::test_a", "tests/test_z.py::test_b")
    assert entries["GEN-04"].status == NOT_YET


def test_a_rule_citing_an_unknown_id_makes_generation_fail(tree: Path) -> None:
    # given: a rule citing an id the catalogue does not have, next to a good one
    rules = [fake_rule("fine", "AV-15"), fake_rule("bogus-rule", "AV-16", UNKNOWN_AV)]

    # when / then
    with pytest.raises(TraceabilityError, match=f"bogus-rule.*{UNKNOWN_AV}"):
        generate(tree, requirements=CATALOGUE, rules=rules, manual={})


def test_a_manual_entry_citing_an_unknown_id_makes_generation_fail(tree: Path) -> None:
    # given / when / then
    with pytest.raises(TraceabilityError, match=UNKNOWN_STAFF):
        generate(tree, requirements=CATALOGUE, rules=[], manual={UNKNOWN_STAFF: "no such requirement"})


def test_a_manual_entry_for_an_enforced_requirement_makes_generation_fail(tree: Path) -> None:
    # given: MANUAL says AV-15 cannot be enforced, but a rule enforces it
    rules = [fake_rule("av-at-service", "AV-15")]

    # when / then
    with pytest.raises(TraceabilityError, match=r"AV-15.*av-at-service"):
        generate(tree, requirements=CATALOGUE, rules=rules, manual={"AV-15": "wrong"})


def test_a_manual_entry_without_a_reason_makes_generation_fail(tree: Path) -> None:
    with pytest.raises(TraceabilityError, match="GEN-04"):
        generate(tree, requirements=CATALOGUE, rules=[], manual={"GEN-04": "  "})


def test_markdown_lists_every_id_with_counts_and_is_deterministic(tree: Path) -> None:
    # given
    rules = [fake_rule("av-at-service", "AV-15"), fake_rule("decision-period", "DEADLINE-05")]
    manual = {"STAFF-06": "人事事项"}

    # when
    first = generate(tree, requirements=CATALOGUE, rules=rules, manual=manual)
    second = generate(tree, requirements=CATALOGUE, rules=list(reversed(rules)), manual=manual)

    # then
    assert first == second
    assert "quancheng rules traceability" in first.splitlines()[2]
    assert "| rule | 2 |" in first and "| code | 4 |" in first and "| manual | 1 |" in first
    assert "| not yet | 3 |" in first and "| **合计** | **10** |" in first
    for requirement in CATALOGUE:
        assert f"\n| {requirement} | " in first
    assert (
        "| DEADLINE-05 | 3个月内作出处理决定 | deadline | rule | `decision-period (blocking)` "
        "| `quancheng/records/tests/test_service.py::test_DEADLINE_05_upper_case`<br>"
        "`quancheng/records/tests/test_service.py::test_deadline_05_due_date` |  |"
    ) in first
    assert "| INTEGRITY-02 | 不得私自修改\\|删除 | integrity | code | `quancheng/records/services.py` |" in first
    assert "| STAFF-06 | 记录人员的素质 | staffing | manual |  |  | 人事事项 |" in first


def test_render_counts_every_status_even_when_empty() -> None:
    # given: nothing enforced
    entries = compute(CATALOGUE, [], {}, {}, {})

    # when
    text = render(entries)

    # then
    assert "| rule | 0 |" in text and "| not yet | 10 |" in text


def test_the_real_manual_table_cites_known_ids_with_reasons() -> None:
    # given / when: no rules, so only MANUAL is checked against the catalogue
    entries = compute(requirements(), [], MANUAL, {}, {})

    # then
    assert {e.id for e in entries if e.status == MANUAL_STATUS} == set(MANUAL)


def test_command_writes_the_table_and_check_detects_a_stale_file(tmp_path: Path) -> None:
    # given
    output = tmp_path / "traceability.md"

    # when
    call_command("rules", "traceability", "--output", str(output))

    # then: the written file is current
    assert output.read_text("utf-8") == generate()
    call_command("rules", "traceability", "--output", str(output), "--check")

    # when: someone edits it by hand
    output.write_text(output.read_text("utf-8") + "hand edit\n", encoding="utf-8")

    # then
    with pytest.raises(CommandError, match="quancheng rules traceability"):
        call_command("rules", "traceability", "--output", str(output), "--check")


def test_command_check_on_a_missing_file_fails(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="quancheng rules traceability"):
        call_command("rules", "traceability", "--output", str(tmp_path / "missing.md"), "--check")
