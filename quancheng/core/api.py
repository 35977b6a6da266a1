"""API plumbing shared by every app: error rendering and the request-user helper."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

from .errors import DEFAULT_MESSAGES, DomainError, ErrorCode, status_for
from .parser import MalformedBody


class ErrorOut(Schema):
    """The body of every refusal (OpenAPI); some codes add fields such as ``errors``."""

    code: str
    message: str


# For ``response={200: X, **ERROR_RESPONSES}``: the refusals any operation may answer with.
ERROR_RESPONSES: dict[int, type[Schema]] = {status: ErrorOut for status in (400, 401, 403, 404, 409, 413, 422)}

# The few English messages ninja itself raises as ``HttpError``, in Chinese (users read them).
_NINJA_MESSAGES = {
    "CSRF check Failed": "CSRF 校验失败:请刷新页面后重试,程序请使用 API 令牌",
    "Cannot parse request body": "请求体无法解析:应为 UTF-8 编码的 JSON 对象",
}


def error_response(
    api: NinjaAPI, request: HttpRequest, code: ErrorCode, message: str | None = None, **extra: Any
) -> HttpResponse:
    body = {"code": str(code), "message": message or DEFAULT_MESSAGES[code], **extra}
    return api.create_response(request, body, status=status_for(code))


def _validation_message(errors: list[dict[str, Any]]) -> str:
    parts = []
    for err in errors[:5]:
        loc = ".".join(str(p) for p in err.get("loc", []) if p not in {"body", "payload", "query", "path"})
        parts.append(f"{loc or '请求'}: {err.get('msg', '')}")
    return "请求数据格式不正确:" + ";".join(parts)


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def _domain(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return api.create_response(request, exc.as_dict(), status=exc.status)

    @api.exception_handler(ValidationError)
    def _validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = [{k: v for k, v in err.items() if k in {"loc", "msg", "type"}} for err in exc.errors]
        return error_response(api, request, ErrorCode.VALIDATION_ERROR, _validation_message(errors), errors=errors)

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return error_response(api, request, ErrorCode.UNAUTHENTICATED)

    @api.exception_handler(AuthorizationError)
    def _forbidden(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
        return error_response(api, request, ErrorCode.PERMISSION_DENIED)

    @api.exception_handler(Http404)
    def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(api, request, ErrorCode.NOT_FOUND)

    @api.exception_handler(HttpError)
    def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        # ninja wraps whatever the body parser raised in HttpError(400); answer with what the parser meant.
        cause = exc.__cause__
        if isinstance(cause, ValidationError):
            return _validation(request, cause)
        if isinstance(cause, MalformedBody):
            return api.create_response(
                request, {"code": str(ErrorCode.VALIDATION_ERROR), "message": cause.message}, status=400
            )
        by_status = {
            401: ErrorCode.UNAUTHENTICATED,
            403: ErrorCode.PERMISSION_DENIED,
            404: ErrorCode.NOT_FOUND,
            413: ErrorCode.UPLOAD_TOO_LARGE,
        }
        code = by_status.get(exc.status_code, ErrorCode.VALIDATION_ERROR)
        raw = str(exc.message)
        message = next((zh for en, zh in _NINJA_MESSAGES.items() if raw.startswith(en)), None)
        return api.create_response(
            request, {"code": str(code), "message": message or DEFAULT_MESSAGES[code]}, status=exc.status_code
        )

    # Django refuses these while reading the request (``request.body``/``POST``), before any view code runs;
    # without handlers they would be Django's HTML error pages.
    @api.exception_handler(RequestDataTooBig)
    def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return error_response(api, request, ErrorCode.REQUEST_TOO_LARGE, f"请求体超过大小限制({limit} 字节)")

    @api.exception_handler(TooManyFieldsSent)
    def _too_many_fields(request: HttpRequest, exc: TooManyFieldsSent) -> HttpResponse:
        return error_response(api, request, ErrorCode.VALIDATION_ERROR, "表单字段过多")

    @api.exception_handler(TooManyFilesSent)
    def _too_many_files(request: HttpRequest, exc: TooManyFilesSent) -> HttpResponse:
        return error_response(api, request, ErrorCode.VALIDATION_ERROR, "上传文件过多")
