"""Case bundle download: ``POST /api/v1/cases/{case_id}/bundle`` with ``{"reason": "..."}`` → the zip.

``router`` is mounted by the lead at ``/cases``. Anyone who may see the case (``case_get_for``: the agency's
staff, the supervising agency's 监督人员, and the party's own login for its own case — ACCESS-04) may export it;
a case they may not see is 404, its existence not revealed. POST, not GET: every download is a ledgered export
with a reason, not a cacheable read.

The zip is written to a temporary file in the blob store's incoming directory (the data volume, not a small
tmpfs) and streamed from there; it disappears when the response is closed.
"""

from __future__ import annotations

import tempfile
from typing import Any
from urllib.parse import quote

from django.http import FileResponse, HttpRequest
from ninja import Field, Router, Schema

from quancheng.cases.selectors import case_get_for
from quancheng.core.api import ERROR_RESPONSES

from .bundle import bundle_ascii_filename, bundle_filename, export_case

router = Router(tags=["ledger"])

REASON_MAX_LENGTH = 512


class BundleIn(Schema):
    reason: str = Field(..., min_length=1, max_length=REASON_MAX_LENGTH, description="导出事由(记入账本)")


BUNDLE_OPENAPI: dict[str, Any] = {
    "responses": {
        200: {
            "description": "案卷包(BagIt zip);X-Content-SHA256 为其摘要(已记入账本)",
            "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


def content_disposition(case: Any) -> str:
    """RFC 6266 attachment with an ASCII ``filename`` fallback and the Chinese name as RFC 5987 ``filename*``."""
    encoded = quote(bundle_filename(case), safe="")
    return f"attachment; filename=\"{bundle_ascii_filename(case)}\"; filename*=UTF-8''{encoded}"


@router.post(
    "/{case_id}/bundle",
    url_name="case_bundle",
    response=ERROR_RESPONSES,
    openapi_extra=BUNDLE_OPENAPI,
    summary="导出案卷包(可离线核验)",
)
def case_bundle(request: HttpRequest, case_id: int, payload: BundleIn) -> FileResponse:
    from quancheng.evidence.storage import get_blob_store

    case = case_get_for(request.auth, case_id)
    incoming = get_blob_store().incoming_dir
    incoming.mkdir(parents=True, exist_ok=True)
    spool = tempfile.TemporaryFile(dir=incoming, prefix="bundle-")
    try:
        result = export_case(actor=request.auth, case=case, reason=payload.reason, out=spool)
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    response = FileResponse(spool, content_type="application/zip")
    response["Content-Disposition"] = content_disposition(case)
    response["Content-Length"] = str(result.size)
    response["X-Content-SHA256"] = result.sha256
    response["Cache-Control"] = "private, no-store"
    return response
