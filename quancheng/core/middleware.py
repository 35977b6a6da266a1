"""Under /api/, every refusal is ``{"code", "message"}`` JSON — also the ones made before any API code runs.

ninja answers a wrong method with a bare text/html 405, and Django answers an unknown path or a request it
refuses while reading it with its HTML 404/400 pages; API clients branch on ``code`` and could not parse those.
Refusals the API itself makes are JSON already and pass through untouched.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBase

from .errors import DEFAULT_MESSAGES, ErrorCode

API_PREFIX = "/api/"

_BY_STATUS: dict[int, tuple[ErrorCode, str | None]] = {
    400: (ErrorCode.VALIDATION_ERROR, "请求格式不正确"),
    401: (ErrorCode.UNAUTHENTICATED, None),
    403: (ErrorCode.PERMISSION_DENIED, None),
    404: (ErrorCode.NOT_FOUND, "请求的接口不存在,请对照 /api/v1/docs"),
    405: (ErrorCode.METHOD_NOT_ALLOWED, None),
    413: (ErrorCode.REQUEST_TOO_LARGE, None),
}


class ApiErrorBodyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if (
            request.path.startswith(API_PREFIX)
            and 400 <= response.status_code < 500
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            return _as_json(request, response)
        return response


def _as_json(request: HttpRequest, original: HttpResponseBase) -> HttpResponse:
    code, message = _BY_STATUS.get(original.status_code, (ErrorCode.VALIDATION_ERROR, "请求无法处理"))
    if code == ErrorCode.METHOD_NOT_ALLOWED:
        message = f"该接口不支持 {request.method} 方法;可用:{original.get('Allow', '')}"
    body = json.dumps({"code": str(code), "message": message or DEFAULT_MESSAGES[code]}, ensure_ascii=False)
    response = HttpResponse(body, status=original.status_code, content_type="application/json; charset=utf-8")
    if original.has_header("Allow"):
        response["Allow"] = original["Allow"]  # RFC 9110: a 405 lists the methods the resource supports
    return response
