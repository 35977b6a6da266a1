"""API plumbing shared by every app: error rendering and the request-user helper."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

from .errors import DEFAULT_MESSAGES, DomainError, ErrorCode, status_for


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
        by_status = {
            401: ErrorCode.UNAUTHENTICATED,
            403: ErrorCode.PERMISSION_DENIED,
            404: ErrorCode.NOT_FOUND,
            413: ErrorCode.UPLOAD_TOO_LARGE,
        }
        code = by_status.get(exc.status_code, ErrorCode.VALIDATION_ERROR)
        return api.create_response(
            request, {"code": str(code), "message": str(exc.message) or DEFAULT_MESSAGES[code]}, status=exc.status_code
        )
