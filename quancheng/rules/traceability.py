"""The traceability table: every requirement of ``spec/requirements.yaml`` with how the software meets it.

A requirement's status is, in this order of precedence:

- ``rule``: one or more registry rules cite it (``Rule.requirements``);
- ``code``: source outside the tests cites it (a ``# AV-15`` comment, a catalogue field spec, ...);
- ``manual``: ``manual.MANUAL`` says why software cannot or should not enforce it;
- ``not yet``: none of the above.

For every requirement the table also lists the tests that cite it: test functions, methods and classes whose
name (``test_deadline_05_...``) or docstring (``DEADLINE-05``) names the id, and test modules whose docstring
does. ``quancheng rules traceability`` writes the table to ``docs/traceability.md``; the file is generated,
never edited by hand. A rule or a ``MANUAL`` entry that cites an unknown id, or a ``MANUAL`` entry for an id a
rule enforces, makes generation fail.

Everything here but ``generate`` (which reads the registry, the catalogue and the repository) is pure.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import quancheng

from .registry import Rule

ROOT = Path(quancheng.__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "docs" / "traceability.md"
COMMAND = "quancheng rules traceability"

RULE = "rule"
CODE = "code"
MANUAL_STATUS = "manual"
NOT_YET = "not yet"
STATUSES = (RULE, CODE, MANUAL_STATUS, NOT_YET)

# Source that cites ids without meeting them: this table's own modules (``manual.py`` names every manual id),
# the demo data, and migrations (generated copies of model help texts).
CODE_EXCLUDED = frozenset({"quancheng/rules/traceability.py", "quancheng/rules/manual.py"})
CODE_EXCLUDED_DIRS = frozenset({"tests", "migrations", "demo"})


class TraceabilityError(ValueError):
    """A rule or a ``MANUAL`` entry contradicts the requirement catalogue."""


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    kind: str
    status: str
    rules: tuple[tuple[str, str], ...]  # (rule code, severity)
    files: tuple[str, ...]  # non-test source citing the id (status ``code`` only)
    tests: tuple[str, ...]  # ``path::Class::function``, ``path::function`` or ``path`` (module docstring)
    note: str  # the ``MANUAL`` reason, if any


# --- citations -------------------------------------------------------------------------------------------


def citation_pattern(known: Iterable[str], *, loose: bool) -> re.Pattern[str]:
    """Ids of the known prefixes. Strict (source): ``AV-15``, with ``INV-11/12`` and ``INTEGRITY-01..06``
    naming several. Loose (test names and docstrings): also lower case and ``_`` for ``-`` (``deadline_05``)."""
    prefixes = sorted({k.split("-")[0] for k in known}, key=lambda p: (-len(p), p))
    sep = "[-_]" if loose else "-"
    return re.compile(
        r"(?<![A-Za-z0-9])(" + "|".join(prefixes) + ")" + sep + r"(\d{2})((?:/\d{2})*)(?:\.\.(\d{2}))?(?![0-9])",
        re.IGNORECASE if loose else 0,
    )


def cited_ids(text: str, pattern: re.Pattern[str], known: Mapping[str, Any] | frozenset[str] | set[str]) -> set[str]:
    """The known ids ``text`` cites (unknown ones are tests/test_requirement_citations.py's business)."""
    found: set[str] = set()
    for match in pattern.finditer(text):
        prefix, first, more, last = match.group(1).upper(), int(match.group(2)), match.group(3), match.group(4)
        numbers = [first, *(int(n) for n in more.split("/") if n)]
        if last is not None and int(last) > first:
            numbers.extend(range(first + 1, int(last) + 1))
        found.update(i for i in (f"{prefix}-{n:02d}" for n in numbers) if i in known)
    return found


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def find_test_files(root: Path) -> list[Path]:
    """``quancheng/**/tests/**/test_*.py`` and ``tests/**/test_*.py``."""
    in_package = [p for p in (root / "quancheng").rglob("test_*.py") if "tests" in p.relative_to(root).parts[:-1]]
    return sorted({*in_package, *(root / "tests").rglob("test_*.py")})


def source_files(root: Path) -> list[Path]:
    """``quancheng/**/*.py`` outside tests, migrations, the demo data and this table's own modules."""
    found = []
    for path in (root / "quancheng").rglob("*.py"):
        rel = path.relative_to(root)
        if rel.as_posix() in CODE_EXCLUDED or CODE_EXCLUDED_DIRS.intersection(rel.parts[:-1]):
            continue
        found.append(path)
    return sorted(found)


def scan_tests(root: Path, known: Mapping[str, Any] | frozenset[str] | set[str]) -> dict[str, set[str]]:
    """id -> tests citing it by name or docstring."""
    pattern = citation_pattern(known, loose=True)
    cited: dict[str, set[str]] = {}

    def note(ids: set[str], where: str) -> None:
        for i in ids:
            cited.setdefault(i, set()).add(where)

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef) and child.name.startswith("Test"):
                name = f"{prefix}::{child.name}"
                note(
                    cited_ids(child.name, pattern, known) | cited_ids(ast.get_docstring(child) or "", pattern, known),
                    name,
                )
                visit(child, name)
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) and child.name.startswith("test"):
                docstring = ast.get_docstring(child) or ""
                note(
                    cited_ids(child.name, pattern, known) | cited_ids(docstring, pattern, known),
                    f"{prefix}::{child.name}",
                )

    for path in find_test_files(root):
        rel = _relative(path, root)
        tree = ast.parse(path.read_text("utf-8"), filename=rel)
        note(cited_ids(ast.get_docstring(tree) or "", pattern, known), rel)
        visit(tree, rel)
    return cited


def scan_code(root: Path, known: Mapping[str, Any] | frozenset[str] | set[str]) -> dict[str, set[str]]:
    """id -> non-test source files citing it."""
    pattern = citation_pattern(known, loose=False)
    cited: dict[str, set[str]] = {}
    for path in source_files(root):
        for i in cited_ids(path.read_text("utf-8"), pattern, known):
            cited.setdefault(i, set()).add(_relative(path, root))
    return cited


# --- status ----------------------------------------------------------------------------------------------


def _natural(test: str) -> tuple[Any, ...]:
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", test))


def compute(
    requirements: Mapping[str, Mapping[str, Any]],
    rules: Iterable[Rule],
    manual: Mapping[str, str],
    code_citations: Mapping[str, Iterable[str]],
    test_citations: Mapping[str, Iterable[str]],
) -> list[Entry]:
    """One entry per requirement, in catalogue order. Raises ``TraceabilityError`` when a rule or a ``MANUAL``
    entry cites an id the catalogue does not have, or ``MANUAL`` declares unenforceable what a rule enforces."""
    problems: list[str] = []
    by_requirement: dict[str, list[tuple[str, str]]] = {}
    for r in sorted(rules, key=lambda r: r.code):
        for requirement in r.requirements:
            if requirement not in requirements:
                problems.append(f"规则 {r.code} 引用了 spec/requirements.yaml 中不存在的要求 {requirement}")
            else:
                by_requirement.setdefault(requirement, []).append((r.code, str(r.severity)))
    for requirement in sorted(manual):
        if requirement not in requirements:
            problems.append(f"MANUAL 列出了 spec/requirements.yaml 中不存在的要求 {requirement}")
        elif requirement in by_requirement:
            codes = ", ".join(code for code, _ in by_requirement[requirement])
            problems.append(f"MANUAL 称 {requirement} 无法由软件落实,但规则 {codes} 已落实它:请从 MANUAL 删去")
        elif not manual[requirement].strip():
            problems.append(f"MANUAL 中 {requirement} 没有写明理由")
    if problems:
        raise TraceabilityError(";\n".join(problems))

    entries = []
    for requirement, item in requirements.items():
        rules_here = tuple(by_requirement.get(requirement, ()))
        files = tuple(sorted(set(code_citations.get(requirement, ()))))
        if rules_here:
            status = RULE
        elif files:
            status = CODE
        elif requirement in manual:
            status = MANUAL_STATUS
        else:
            status = NOT_YET
        entries.append(
            Entry(
                id=requirement,
                title=str(item.get("title_zh", "")),
                kind=str(item.get("kind", "")),
                status=status,
                rules=rules_here,
                files=files if status == CODE else (),
                tests=tuple(sorted(set(test_citations.get(requirement, ())), key=_natural)),
                note=manual.get(requirement, "").strip(),
            )
        )
    return entries


# --- markdown --------------------------------------------------------------------------------------------


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _code_list(items: Iterable[str]) -> str:
    return "<br>".join(f"`{_cell(item)}`" for item in items)


def render(entries: list[Entry]) -> str:
    """The markdown: deterministic (no timestamps, fixed order), so ``--check`` can compare it byte for byte."""
    counts = {status: sum(1 for e in entries if e.status == status) for status in STATUSES}
    tested = sum(1 for e in entries if e.tests)
    kinds = sorted({e.kind for e in entries})
    lines = [
        "# 要求追溯表 (requirement traceability)",
        "",
        f"<!-- 由 `{COMMAND}` 生成,请勿手工编辑。Generated by `{COMMAND}`; never edit by hand. -->",
        "",
        f"本文件由 `{COMMAND}` 根据 `spec/requirements.yaml`、规则注册表(`quancheng/rules/checks`)、"
        "`quancheng/rules/manual.py` 以及源码和测试中的要求编号生成;请勿手工编辑,修改后重新运行该命令。"
        f"`{COMMAND} --check` 在本文件过期时以非零状态退出。",
        "",
        "状态 (status):",
        "",
        "- `rule`:由规则注册表中的规则落实(列出规则代码及其严重程度 blocking/warning);",
        "- `code`:未见规则,但非测试源码引用了该编号(列出文件);",
        "- `manual`:软件无法或不应落实,理由见“说明”;",
        "- `not yet`:尚未落实。",
        "",
        "“测试”列出名称或文档字符串引用该编号的测试函数/类,以及模块文档字符串引用该编号的测试文件。",
        "",
        "## 统计 (counts)",
        "",
        "| status | 数量 |",
        "|---|---:|",
        *(f"| {status} | {counts[status]} |" for status in STATUSES),
        f"| **合计** | **{len(entries)}** |",
        "",
        f"有测试引用的要求:{tested} / {len(entries)}。",
        "",
        "| kind | " + " | ".join(STATUSES) + " | 合计 |",
        "|---|" + "---:|" * (len(STATUSES) + 1),
    ]
    for kind in kinds:
        of_kind = [e for e in entries if e.kind == kind]
        per_status = " | ".join(str(sum(1 for e in of_kind if e.status == s)) for s in STATUSES)
        lines.append(f"| {kind} | {per_status} | {len(of_kind)} |")
    for kind in kinds:
        lines += [
            "",
            f"## {kind}",
            "",
            "| id | 标题 | kind | status | 落实方式 (enforced by) | 测试 (tested by) | 说明 (note) |",
            "|---|---|---|---|---|---|---|",
        ]
        for e in (e for e in entries if e.kind == kind):
            enforced = _code_list(f"{code} ({severity})" for code, severity in e.rules) or _code_list(e.files)
            lines.append(
                f"| {e.id} | {_cell(e.title)} | {e.kind} | {e.status} | {enforced} | {_code_list(e.tests)} "
                f"| {_cell(e.note)} |"
            )
    return "\n".join(lines) + "\n"


def generate(
    root: Path = ROOT,
    *,
    requirements: Mapping[str, Mapping[str, Any]] | None = None,
    rules: Iterable[Rule] | None = None,
    manual: Mapping[str, str] | None = None,
) -> str:
    """The markdown for the repository at ``root``: by default the catalogue, the registry and ``MANUAL``."""
    if requirements is None:
        from .requirements import requirements as catalogue

        requirements = catalogue()
    if rules is None:
        from .registry import all_rules

        rules = all_rules()
    if manual is None:
        from .manual import MANUAL

        manual = MANUAL
    return render(compute(requirements, rules, manual, scan_code(root, requirements), scan_tests(root, requirements)))
