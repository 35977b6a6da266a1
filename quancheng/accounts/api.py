from django.http import HttpRequest
from ninja import Router

from . import selectors
from .schemas import MeOut

router = Router(tags=["accounts"])


@router.get("/me", response=MeOut, summary="当前用户、角色与执法证")
def get_me(request: HttpRequest) -> dict:
    return selectors.me(request.auth)
