"""``GET /log/checkpoint`` and ``GET /log/key``: the latest signed checkpoint and the key that checks it.

Public and unauthenticated: a checkpoint holds only the origin, a tree size and a root hash, and the key is a
public key. Both are plain text exactly as C2SP tlog-checkpoint / signed-note define them, so the usual tools
(Go's ``sumdb/note``, witnesses) read them as they are.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from .checkpoints import CheckpointError, SigningKeyError, latest_checkpoint, make_checkpoint, verifier_key

logger = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; charset=utf-8"
# A checkpoint is replaced as the log grows: clients must revalidate (tlog-tiles asks for short-lived caching).
CHECKPOINT_CACHE_CONTROL = "no-cache"
KEY_CACHE_CONTROL = "public, max-age=3600"
KEY_UNAVAILABLE = "检查点签名密钥不可用,请联系系统管理员 / the checkpoint signing key is unavailable\n"
CHECKPOINT_UNAVAILABLE = "暂无可提供的签名检查点,请联系系统管理员 / no signed checkpoint is available\n"


def _unavailable(exc: Exception, text: str) -> HttpResponse:
    # The reason (a file path, its permissions, a tree that does not check out) is for the operator's log.
    logger.error("/log/ unavailable: %s", exc)
    return HttpResponse(text, status=503, content_type=CONTENT_TYPE)


@require_safe
def checkpoint(request: HttpRequest) -> HttpResponse:
    """The latest signed checkpoint; the first one is made on demand when none exists yet."""
    try:
        latest = latest_checkpoint() or make_checkpoint(force=True)
    except SigningKeyError as exc:
        return _unavailable(exc, KEY_UNAVAILABLE)
    except CheckpointError as exc:  # the tree does not check out: sign nothing
        return _unavailable(exc, CHECKPOINT_UNAVAILABLE)
    response = HttpResponse(latest.note, content_type=CONTENT_TYPE)
    response["Cache-Control"] = CHECKPOINT_CACHE_CONTROL
    return response


@require_safe
def key(request: HttpRequest) -> HttpResponse:
    """The verifier key ``<name>+<key ID>+<base64 key>`` and a newline."""
    try:
        text = verifier_key()
    except SigningKeyError as exc:
        return _unavailable(exc, KEY_UNAVAILABLE)
    response = HttpResponse(text + "\n", content_type=CONTENT_TYPE)
    response["Cache-Control"] = KEY_CACHE_CONTROL
    return response
