"""Public log endpoints under /log/ (C2SP tlog-checkpoint and tlog-tiles); no personal data is served here."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
