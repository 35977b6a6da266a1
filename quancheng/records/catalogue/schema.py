"""Field schemas for text records and their validation: pure functions over plain JSON data.

A record kind (文书类型) lists its fields; each field has a Chinese label, a type, whether it is required
and the requirement ids it comes from. ``validate_content`` returns Chinese messages per field. Drafts are
checked for shape only (types, unknown fields); sealing also demands every required field (``complete``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from quancheng.cases.models import Stage
from quancheng.records.models import PersonRole

# Keys of errors that belong to no single field.
NON_FIELD = "__all__"
# Free text longer than this is almost certainly a paste error; a 笔录 page holds far less.
DEFAULT_TEXT_MAX_LENGTH = 20_000
SHORT_TEXT_MAX_LENGTH = 256
# Money in yuan as a decimal string: up to 12 integer digits and at most 2 decimals (分).
MONEY_PATTERN = re.compile(r"^(0|[1-9]\d{0,11})(\.\d{1,2})?$")
DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")

Errors = dict[str, list[str]]


class FieldType(StrEnum):
    TEXT = "text"
    DATETIME = "datetime"
    DATE = "date"
    INTEGER = "integer"
    MONEY = "money"
    BOOLEAN = "boolean"
    CHOICE = "choice"
    CHOICES = "choices"
    TEXT_LIST = "text_list"
    PARTY = "party"
    ROWS = "rows"


FIELD_TYPE_LABELS: dict[FieldType, str] = {
    FieldType.TEXT: "文本",
    FieldType.DATETIME: "日期时间(ISO 8601,带时区)",
    FieldType.DATE: "日期(YYYY-MM-DD)",
    FieldType.INTEGER: "整数",
    FieldType.MONEY: "金额(元,十进制文本,最多两位小数)",
    FieldType.BOOLEAN: "是/否",
    FieldType.CHOICE: "单选",
    FieldType.CHOICES: "多选",
    FieldType.TEXT_LIST: "文本列表",
    FieldType.PARTY: "当事人(本案当事人编号)",
    FieldType.ROWS: "表格(多行)",
}


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    type: FieldType
    required: bool = False
    requirements: tuple[str, ...] = ()
    choices: tuple[tuple[str, str], ...] = ()
    columns: tuple[FieldSpec, ...] = ()
    max_length: int | None = None
    min_value: int | None = None
    max_value: int | None = None
    help: str = ""

    @property
    def choice_values(self) -> frozenset[str]:
        return frozenset(value for value, _label in self.choices)


# A kind-level rule across fields: (content, complete) -> errors. Used where one field decides whether
# another is needed, e.g. a fine needs its amount.
CrossCheck = Callable[[Mapping[str, Any], bool], Errors]


@dataclass(frozen=True)
class RecordKind:
    code: str
    name: str
    stages: tuple[Stage, ...]
    fields: tuple[FieldSpec, ...]
    requirements: tuple[str, ...] = ()
    # 笔录: the person questioned or inspected signs every page (INV-11, INV-12).
    per_page_signatures: bool = False
    # GEN-09/GEN-10: the activity's start and end time, and its place, must be on the sealed record.
    activity_time_required: bool = False
    place_required: bool = False
    # INV-09: 询问调查应当个别进行 — at most this many interviewees per session (None: no limit).
    max_interviewees: int | None = None
    checks: tuple[CrossCheck, ...] = ()
    description: str = ""

    def field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.name == name), None)


@dataclass
class _Collector:
    errors: Errors = field(default_factory=dict)

    def add(self, key: str, message: str) -> None:
        self.errors.setdefault(key, []).append(message)


def is_blank(value: Any) -> bool:
    """Whether a value counts as 'not filled in' (a required field must not be blank when sealed)."""
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    if isinstance(value, list | tuple | dict):
        return len(value) == 0
    return False


def _parse_datetime(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _parse_date(value: str) -> date | None:
    if not DATE_PATTERN.match(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _choices_text(spec: FieldSpec) -> str:
    return "、".join(f"{value}({label})" for value, label in spec.choices)


def _scalar_errors(spec: FieldSpec, value: Any) -> list[str]:
    """Type errors of one non-blank value; empty when the value fits the field."""
    kind = spec.type
    if kind == FieldType.TEXT:
        if not isinstance(value, str):
            return ["应为文本"]
        limit = spec.max_length or DEFAULT_TEXT_MAX_LENGTH
        if len(value) > limit:
            return [f"不得超过{limit}个字符"]
        return []
    if kind == FieldType.DATETIME:
        if not isinstance(value, str) or _parse_datetime(value) is None:
            return ["应为带时区的日期时间,例如 2026-03-01T09:30:00+08:00"]
        return []
    if kind == FieldType.DATE:
        if not isinstance(value, str) or _parse_date(value) is None:
            return ["应为日期,例如 2026-03-01"]
        return []
    if kind == FieldType.INTEGER:
        # bool is an int in Python but never a count.
        if isinstance(value, bool) or not isinstance(value, int):
            return ["应为整数"]
        if spec.min_value is not None and value < spec.min_value:
            return [f"不得小于{spec.min_value}"]
        if spec.max_value is not None and value > spec.max_value:
            return [f"不得大于{spec.max_value}"]
        return []
    if kind == FieldType.MONEY:
        # Text, not a JSON number: binary floats cannot hold 分 exactly, and canonical JSON must be stable.
        if not isinstance(value, str) or not MONEY_PATTERN.match(value):
            return ['应为以元为单位的金额文本,最多两位小数,例如 "200.00"']
        return []
    if kind == FieldType.BOOLEAN:
        if not isinstance(value, bool):
            return ["应为是或否(true/false)"]
        return []
    if kind == FieldType.CHOICE:
        if not isinstance(value, str) or value not in spec.choice_values:
            return [f"应为以下之一:{_choices_text(spec)}"]
        return []
    if kind == FieldType.CHOICES:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return ["应为选项列表"]
        wrong = [v for v in value if v not in spec.choice_values]
        if wrong:
            return [f"含有无效选项 {'、'.join(wrong)};可选:{_choices_text(spec)}"]
        if len(set(value)) != len(value):
            return ["选项不得重复"]
        return []
    if kind == FieldType.TEXT_LIST:
        if not isinstance(value, list):
            return ["应为文本列表"]
        limit = spec.max_length or DEFAULT_TEXT_MAX_LENGTH
        messages = []
        for index, item in enumerate(value, start=1):
            if not isinstance(item, str) or item.strip() == "":
                messages.append(f"第{index}项应为非空文本")
            elif len(item) > limit:
                messages.append(f"第{index}项不得超过{limit}个字符")
        return messages
    if kind == FieldType.PARTY:
        # Only the shape here; the service checks the party belongs to the case.
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            return ["应为本案当事人的编号(正整数)"]
        return []
    raise AssertionError(f"unhandled field type {kind}")  # ROWS is handled by _rows_errors


def _rows_errors(spec: FieldSpec, value: Any, *, complete: bool) -> list[str]:
    if not isinstance(value, list):
        return ["应为表格:每行一个对象的列表"]
    messages: list[str] = []
    known = {column.name: column for column in spec.columns}
    for index, row in enumerate(value, start=1):
        if not isinstance(row, dict):
            messages.append(f"第{index}行应为对象")
            continue
        for key in row:
            if key not in known:
                messages.append(f"第{index}行含有未知列“{key}”")
        for column in spec.columns:
            cell = row.get(column.name)
            if _is_unfilled(column, cell):
                if complete and column.required:
                    messages.append(f"第{index}行“{column.label}”为必填项")
                continue
            messages.extend(f"第{index}行“{column.label}”{m}" for m in _scalar_errors(column, cell))
    return messages


_STRING_TYPES = frozenset({FieldType.TEXT, FieldType.DATETIME, FieldType.DATE, FieldType.MONEY, FieldType.CHOICE})
_LIST_TYPES = frozenset({FieldType.CHOICES, FieldType.TEXT_LIST, FieldType.ROWS})


def _is_unfilled(spec: FieldSpec, value: Any) -> bool:
    """None, an empty string for a string-typed field, or an empty list for a list-typed field."""
    if value is None:
        return True
    if isinstance(value, str) and spec.type in _STRING_TYPES:
        return value.strip() == ""
    if isinstance(value, list) and spec.type in _LIST_TYPES:
        return len(value) == 0
    return False


def validate_field(spec: FieldSpec, value: Any, *, complete: bool) -> list[str]:
    """Messages for one field's value; an unfilled value is only an error when sealing a required field."""
    if _is_unfilled(spec, value):
        return ["此项为必填项"] if complete and spec.required else []
    if spec.type == FieldType.ROWS:
        return _rows_errors(spec, value, complete=complete)
    return _scalar_errors(spec, value)


def validate_content(kind: RecordKind, content: Any, *, complete: bool) -> Errors:
    """Chinese error messages per field name; empty when ``content`` fits ``kind``.

    ``complete=False`` (drafts): shape only — wrong types and unknown fields are refused, missing ones are
    not. ``complete=True`` (sealing): every required field must be filled in as well.
    """
    out = _Collector()
    if not isinstance(content, dict):
        out.add(NON_FIELD, "记录内容应为对象(字段名到值的映射)")
        return out.errors
    known = {spec.name for spec in kind.fields}
    for key in content:
        if key not in known:
            out.add(str(key), f"未知字段:“{kind.name}”没有此项")
    for spec in kind.fields:
        for message in validate_field(spec, content.get(spec.name), complete=complete):
            out.add(spec.name, message)
    if not out.errors:
        # Cross-field rules only make sense once each field has the right shape.
        for check in kind.checks:
            for key, messages in check(content, complete).items():
                for message in messages:
                    out.add(key, message)
    return out.errors


# --- participants ---------------------------------------------------------------------------------

PARTICIPANT_KEYS: dict[str, str] = {
    "name": "姓名",
    "role": "身份",
    "certificate_number": "执法证号",
    "organisation": "单位",
}
PARTICIPANT_REQUIRED = ("name", "role")


def validate_participants(kind: RecordKind, participants: Any) -> list[str]:
    """Messages for the participants list (GEN-09: 参与人员基本情况; INV-09: one interviewee per session)."""
    if not isinstance(participants, list | tuple):
        return ["参与人员应为列表"]
    messages: list[str] = []
    roles = set(PersonRole.values)
    interviewees = 0
    for index, person in enumerate(participants, start=1):
        if not isinstance(person, Mapping):
            messages.append(f"第{index}位参与人员应为对象")
            continue
        for key in person:
            if key not in PARTICIPANT_KEYS:
                messages.append(f"第{index}位参与人员含有未知项“{key}”")
        for key in PARTICIPANT_REQUIRED:
            if is_blank(person.get(key)):
                messages.append(f"第{index}位参与人员缺少{PARTICIPANT_KEYS[key]}")
        for key in PARTICIPANT_KEYS:
            value = person.get(key)
            if value is not None and not isinstance(value, str):
                messages.append(f"第{index}位参与人员的{PARTICIPANT_KEYS[key]}应为文本")
            elif isinstance(value, str) and len(value) > SHORT_TEXT_MAX_LENGTH:
                messages.append(f"第{index}位参与人员的{PARTICIPANT_KEYS[key]}过长")
        role = person.get("role")
        if isinstance(role, str) and role and role not in roles:
            messages.append(f"第{index}位参与人员的身份“{role}”无效")
        if role == PersonRole.INTERVIEWEE:
            interviewees += 1
    if kind.max_interviewees is not None and interviewees > kind.max_interviewees:
        # INV-09: 询问调查应当个别进行.
        messages.append(f"询问应当个别进行,每份笔录至多{kind.max_interviewees}名被询问人")
    return messages


def first_messages(errors: Errors, labels: Mapping[str, str], limit: int = 3) -> str:
    """A short Chinese summary of the first few errors, for the response's ``message``."""
    parts = []
    for key, messages in list(errors.items())[:limit]:
        label = labels.get(key, key if key != NON_FIELD else "内容")
        parts.append(f"{label}:{messages[0]}")
    more = "等" if len(errors) > limit else ""
    return ";".join(parts) + more


def labels_of(fields: Sequence[FieldSpec]) -> dict[str, str]:
    return {spec.name: spec.label for spec in fields}
