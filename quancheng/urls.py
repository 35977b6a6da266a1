from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from quancheng.api import api

admin.site.site_header = "全程 · 行政执法全过程记录系统"
admin.site.site_title = "全程管理后台"
admin.site.index_title = "后台管理"

urlpatterns = [
    path("admin/", admin.site.urls),
    # tus resumable uploads: plain views (OPTIONS/HEAD/PATCH/DELETE, streamed bodies), before the ninja API.
    path("api/v1/uploads/", include("quancheng.uploads.urls")),
    path("api/v1/", api.urls),
    path("log/", include("quancheng.ledger.urls")),
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
]
