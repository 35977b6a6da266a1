"""The system check warns when ffprobe/ffmpeg are missing, so a deployment finds out before the first upload."""

from __future__ import annotations

import shutil

from quancheng.evidence.checks import media_tools_installed


def test_no_warning_when_the_tools_are_installed() -> None:
    assert shutil.which("ffprobe") and shutil.which("ffmpeg")
    assert media_tools_installed() == []


def test_warns_when_ffprobe_is_missing(monkeypatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda tool: None if tool == "ffprobe" else f"/usr/bin/{tool}")
    [warning] = media_tools_installed()
    assert warning.id == "evidence.W001" and "ffprobe" in warning.msg
