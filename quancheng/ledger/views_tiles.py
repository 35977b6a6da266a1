"""GET /log/tile/<L>/<N>[.p/<W>] and /log/tile/entries/<N>[.p/<W>] (C2SP tlog-tiles).

Hash tiles are public: they hold only hashes. Entry bundles hold the entries (actions, opaque ids, times and
digests; no personal data) and need a signed-in user — a browser session or an API bearer token — unless
``QUANCHENG_LOG_ENTRIES_PUBLIC`` is true. Refusals are ``{"code", "message"}`` JSON, never an HTML page or a 500.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.gzip import GZipMiddleware
from django.views.decorators.csrf import csrf_exempt

from quancheng.accounts.auth import ApiTokenAuth
from quancheng.core.errors import DEFAULT_MESSAGES, ErrorCode, status_for

from . import tiles

CONTENT_TYPE = "application/octet-stream"
# A full tile or bundle never changes once it exists (tlog-tiles: "immutable ... long-lived"); a partial one is
# also a fixed prefix, but clients are told to move on to the full one, so it is cached only briefly.
FULL_CACHE_CONTROL = "public, max-age=31536000, immutable"
PARTIAL_CACHE_CONTROL = "public, max-age=60"
# A refusal may stop being one when the log grows: never cache it.
ERROR_CACHE_CONTROL = "no-store"


def _error(code: ErrorCode, message: str | None = None, status: int | None = None) -> JsonResponse:
    response = JsonResponse(
        {"code": str(code), "message": message or DEFAULT_MESSAGES[code]},
        status=status or status_for(code),
        json_dumps_params={"ensure_ascii": False},
    )
    response["Cache-Control"] = ERROR_CACHE_CONTROL
    return response


def _signed_in(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_active:
        return True
    return ApiTokenAuth()(request) is not None


def _serve(request: HttpRequest, ref: tiles.TileRef) -> HttpResponse:
    data = tiles.read(ref)
    if data is None:
        what = "条目包" if ref.is_entries else "瓦片"
        return _error(ErrorCode.NOT_FOUND, f"{what} {ref.path()} 不存在:账本尚未增长到该位置")
    response = HttpResponse(data, content_type=CONTENT_TYPE)
    response["Cache-Control"] = PARTIAL_CACHE_CONTROL if ref.partial else FULL_CACHE_CONTROL
    if ref.is_entries:
        # tlog-tiles: entry bundles SHOULD be compressed on the wire (JSON entries shrink well; hashes do not).
        response = GZipMiddleware(lambda _request: response)(request)
    return response


ALLOWED_METHODS = ("GET", "HEAD")


# Read-only: exempt from CSRF so that any other method gets the JSON 405 below rather than Django's HTML 403.
@csrf_exempt
def tile(request: HttpRequest, path: str | None = None) -> HttpResponse:
    """Everything under /log/tile/: hash tiles, and entry bundles (``entries/...``)."""
    if request.method not in ALLOWED_METHODS:
        response = _error(ErrorCode.METHOD_NOT_ALLOWED, f"该地址只支持 {', '.join(ALLOWED_METHODS)} 方法")
        response["Allow"] = ", ".join(ALLOWED_METHODS)
        return response
    try:
        ref = tiles.parse_tile_path(path or "")
    except tiles.TilePathError as exc:
        # A path that names no resource at all: 400, as the API answers a request it cannot parse.
        return _error(ErrorCode.VALIDATION_ERROR, str(exc), status=400)
    if ref.is_entries and not settings.QUANCHENG_LOG_ENTRIES_PUBLIC and not _signed_in(request):
        return _error(ErrorCode.UNAUTHENTICATED)
    return _serve(request, ref)
