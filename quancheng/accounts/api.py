from django.http import HttpRequest
from ninja import Router

from quancheng.core.api import ERROR_RESPONSES

from . import selectors
from .schemas import MeOut

router = Router(tags=["accounts"])


@router.get("/me", response={200: MeOut, **ERROR_RESPONSES}, summary="当前用户、角色与执法证")
def get_me(request: HttpRequest) -> dict:
    return selectors.me(request.auth)
