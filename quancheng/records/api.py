from ninja import Router

router = Router(tags=["records"])
# Endpoints under /cases/{case_id}/... that belong to this app.
case_router = Router(tags=["records"])
