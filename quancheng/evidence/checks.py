"""System check: the media tools the evidence app runs must be installed (scripts/ensure-media-tools.sh)."""

from __future__ import annotations

import shutil
from typing import Any

from django.core.checks import Warning, register

MEDIA_TOOLS = ("ffprobe", "ffmpeg")


@register()
def media_tools_installed(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    missing = [tool for tool in MEDIA_TOOLS if shutil.which(tool) is None]
    if not missing:
        return []
    return [
        Warning(
            f"{'、'.join(missing)} 未安装:音视频上传将无法分析,请运行 scripts/ensure-media-tools.sh",
            hint="sudo apt-get install ffmpeg",
            id="evidence.W001",
        )
    ]
