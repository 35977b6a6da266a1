"""The API's request parser: JSON bodies and query strings are checked for values no database can keep.

Checked once here, for every operation, rather than per field, because the limits belong to the storage and
to the ledger's canonical JSON, not to any one schema:

- text must not contain NUL (U+0000): PostgreSQL refuses it in ``text`` and ``jsonb`` columns;
- text must be valid Unicode (no lone surrogates such as ``"\\ud800"``): it cannot be encoded as UTF-8 for
  the database, for RFC 8785 canonical JSON, or even for the error response;
- numbers must be I-JSON (RFC 7493 §2.2): integers within ±(2**53 − 1) — RFC 8785, which the ledger uses
  to digest rows, cannot represent larger ones — and no NaN or Infinity;
- a body is a JSON object (every body of this API is one) of bounded nesting depth.

A body that is not JSON at all raises ``MalformedBody``; ninja wraps it in an ``HttpError(400)`` and
``core.api`` answers ``validation_error`` with the Chinese message. Values that parse but cannot be kept raise
ninja's ``ValidationError`` (422 ``validation_error`` with each offending location).
"""

from __future__ import annotations

import json
import math
from typing import Any

from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from ninja.errors import ValidationError
from ninja.parser import Parser

# RFC 7493 §2.2 (I-JSON): the integers every JSON implementation, and RFC 8785, represents exactly.
MAX_SAFE_INTEGER = 2**53 - 1
# Far deeper than any request of this API (a record's table cell is at depth 5); bounds the work of a walk.
MAX_JSON_DEPTH = 64
# Enough locations to fix a request; the rest would only repeat the point.
MAX_REPORTED_PROBLEMS = 20


class MalformedBody(Exception):
    """The request body is not a JSON text; ``message`` says why, in Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _safe_key(key: str) -> str:
    """A location part that can always be encoded in the error response, whatever the client sent."""
    return key.encode("utf-8", "backslashreplace").decode("utf-8")


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored as text, or None when it can."""
    if "\x00" in value:
        return "不得含有空字符(\\u0000)"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "含有无效的 Unicode 字符(孤立的代理项)"
    return None


def _number_problem(value: int | float) -> str | None:
    if isinstance(value, float):
        return None if math.isfinite(value) else "数值应为有限数(JSON 不允许 NaN 或 Infinity)"
    if abs(value) > MAX_SAFE_INTEGER:
        return f"整数超出允许范围(绝对值不得超过 {MAX_SAFE_INTEGER})"
    return None


def unstorable_values(data: Any, loc: tuple[str | int, ...] = ()) -> list[dict[str, Any]]:
    """Errors (ninja's ``loc``/``msg``/``type`` shape) for every value in ``data`` that cannot be stored."""
    errors: list[dict[str, Any]] = []
    # Iterative, so a deep document cannot exhaust the interpreter's stack.
    stack: list[tuple[tuple[str | int, ...], Any]] = [(loc, data)]
    while stack and len(errors) < MAX_REPORTED_PROBLEMS:
        where, value = stack.pop()
        problem: str | None = None
        if isinstance(value, str):
            problem = text_problem(value)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            problem = _number_problem(value)
        elif isinstance(value, dict | list):
            if len(where) - len(loc) >= MAX_JSON_DEPTH:
                problem = f"嵌套层次过深(最多 {MAX_JSON_DEPTH} 层)"
            elif isinstance(value, dict):
                for key, item in reversed(value.items()):
                    where_key = (*where, _safe_key(key))
                    if key_problem := text_problem(key):
                        message = f"字段名{key_problem}"
                        errors.append({"loc": list(where_key), "msg": message, "type": "unstorable_value"})
                    stack.append((where_key, item))
            else:
                stack.extend(((*where, index), item) for index, item in reversed(list(enumerate(value))))
        if problem:
            errors.append({"loc": list(where), "msg": problem, "type": "unstorable_value"})
    return errors[:MAX_REPORTED_PROBLEMS]


class StrictJSONParser(Parser):
    """ninja's parser with the checks above; install with ``NinjaAPI(parser=StrictJSONParser())``."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        try:
            text = request.body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedBody(f"请求体不是有效的 UTF-8 文本(第 {exc.start + 1} 个字节)") from exc
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise MalformedBody(f"请求体不是有效的 JSON:第 {exc.lineno} 行第 {exc.colno} 列附近有误") from exc
        except (RecursionError, ValueError) as exc:
            # RecursionError: nesting too deep to parse; ValueError: an integer literal of thousands of digits.
            raise MalformedBody("请求体无法解析:嵌套过深或数值过长") from exc
        if not isinstance(data, dict):
            raise ValidationError([{"loc": ["body"], "msg": "应为 JSON 对象({...})", "type": "object_type"}])
        errors = unstorable_values(data, ("body",))
        if errors:
            raise ValidationError(errors)
        return data

    def parse_querydict(self, data: MultiValueDict, list_fields: list[str], request: HttpRequest) -> dict[str, Any]:
        # Query and form values are text: only the text rules apply (the schema parses numbers). Uploaded files
        # (ninja parses request.FILES here too) are bytes, not text, and are left alone.
        errors = [
            {"loc": ["query", _safe_key(key)], "msg": problem, "type": "unstorable_value"}
            for key, values in data.lists()
            for problem in sorted({text_problem(text) for text in (key, *values) if isinstance(text, str)} - {None})
        ]
        if errors:
            raise ValidationError(errors[:MAX_REPORTED_PROBLEMS])
        return super().parse_querydict(data, list_fields, request)
