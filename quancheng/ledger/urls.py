"""Public log endpoints under /log/ (C2SP tlog-checkpoint and tlog-tiles); no personal data is served here."""

from django.urls import URLPattern, path, re_path

from . import views_checkpoint, views_tiles

urlpatterns: list[URLPattern] = [
    path("checkpoint", views_checkpoint.checkpoint, name="log-checkpoint"),
    path("key", views_checkpoint.key, name="log-key"),
    # tlog-tiles: tile/<L>/<N>[.p/<W>] and tile/entries/<N>[.p/<W>]; the view parses (and refuses) the rest.
    re_path(r"^tile(?:/(?P<path>.*))?$", views_tiles.tile, name="log-tile"),
]
