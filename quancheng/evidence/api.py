from ninja import Router

router = Router(tags=["evidence"])
# Endpoints under /cases/{case_id}/... that belong to this app.
case_router = Router(tags=["evidence"])
