"""The one NinjaAPI, mounted at /api/v1/ (OpenAPI 3.1 at /api/v1/openapi.json)."""

from ninja import NinjaAPI
from ninja.renderers import JSONRenderer

from quancheng.accounts.api import router as accounts_router
from quancheng.accounts.auth import ActiveSessionAuth, ApiTokenAuth
from quancheng.cases.api import approvals_router, parties_router
from quancheng.cases.api import router as cases_router
from quancheng.core.api import install_error_handlers
from quancheng.core.parser import StrictJSONParser
from quancheng.evidence.api import case_router as evidence_case_router
from quancheng.evidence.api import device_router
from quancheng.evidence.api import router as evidence_router
from quancheng.ledger.api import router as ledger_router
from quancheng.ledger.api_bundle import router as bundle_router
from quancheng.records.api import case_router as records_case_router
from quancheng.records.api import router as records_router
from quancheng.rules.api import case_router as rules_case_router
from quancheng.rules.api import findings_router
from quancheng.rules.api import router as rules_router


class ReadableJSONRenderer(JSONRenderer):
    """Chinese text stays readable in responses instead of \\u escapes (it is UTF-8 either way)."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    renderer=ReadableJSONRenderer(),
    parser=StrictJSONParser(),  # refuses text and numbers the databases and the ledger cannot keep
    title="全程 Quancheng API",
    version="1",
    description='行政执法全过程记录系统 JSON API。错误统一返回 {"code", "message"}。',
    urls_namespace="api-v1",
    auth=[ApiTokenAuth(), ActiveSessionAuth()],
)
install_error_handlers(api)

api.add_router("/accounts", accounts_router)
api.add_router("/cases", cases_router)
api.add_router("/parties", parties_router)
api.add_router("/cases", bundle_router)
api.add_router("/cases", records_case_router)
api.add_router("/records", records_router)
api.add_router("/cases", evidence_case_router)
api.add_router("/media", evidence_router)
api.add_router("/devices", device_router)
api.add_router("/ledger", ledger_router)
api.add_router("/cases", rules_case_router)
api.add_router("/approvals", approvals_router)
api.add_router("/findings", findings_router)
api.add_router("/rules", rules_router)
