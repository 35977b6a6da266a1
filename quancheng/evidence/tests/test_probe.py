"""probe.py on real files made by the tests: ffprobe metadata and a poster frame for an MP4, EXIF (orientation,
GPS, time) and an upright thumbnail for a JPEG; unreadable or mislabelled content refused (content, not name)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image

from quancheng.core.errors import DomainError, ErrorCode
from quancheng.evidence.probe import THUMBNAIL_MAX_EDGE, probe_media

from . import samples


def _file(tmp_path: Path, data: bytes, name: str) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_video_metadata_and_poster_frame(tmp_path: Path) -> None:
    # given: a 3 s H.264/AAC MP4 whose container says it was made at 2026-03-01T08:30:00Z
    path = _file(tmp_path, samples.mp4(), "clip.mp4")
    # when
    result = probe_media(path, kind="video", content_type="video/mp4", preview_dir=tmp_path / "previews")
    # then
    assert result.content_type == "video/mp4"
    assert "mp4" in result.container.split(",")
    assert result.duration_ms == samples.VIDEO_SECONDS * 1000
    assert (result.video_codec, result.audio_codec) == ("h264", "aac")
    assert (result.width, result.height) == samples.VIDEO_SIZE
    assert result.recorded_at == datetime(2026, 3, 1, 8, 30, tzinfo=UTC)
    assert result.metadata["frame_rate"] == "25/1"
    assert result.preview is not None
    with Image.open(result.preview.path) as poster:
        assert poster.format == "JPEG"
        assert poster.size == samples.VIDEO_SIZE == (result.preview.width, result.preview.height)


def test_photo_exif_orientation_gps_time_and_upright_thumbnail(tmp_path: Path) -> None:
    # given: a 400×200 JPEG whose EXIF says orientation 6 (display turned 90° clockwise), GPS and time
    path = _file(tmp_path, samples.jpeg(), "photo.jpg")
    # when
    result = probe_media(path, kind="photo", content_type="image/jpeg", preview_dir=tmp_path / "previews")
    # then: dimensions as displayed
    assert (result.width, result.height) == (200, 400)
    assert result.orientation == 6
    assert result.gps_latitude == Decimal("31.230400")  # 31°13'49.44"N
    assert result.gps_longitude == Decimal("121.473667")  # 121°28'25.2"E
    assert result.recorded_at == datetime(2026, 3, 1, 16, 30, tzinfo=timezone(timedelta(hours=8)))
    assert result.metadata["make"] == "TestCam"
    # then: the thumbnail is upright (portrait) and within the box; the white mark of the stored top-left
    # corner is now at the top-right, as a viewer honouring the orientation shows it
    assert result.preview is not None
    with Image.open(result.preview.path) as thumb:
        assert (
            thumb.size == (THUMBNAIL_MAX_EDGE // 2, THUMBNAIL_MAX_EDGE) == (result.preview.width, result.preview.height)
        )
        rgb = thumb.convert("RGB")
        assert min(rgb.getpixel((thumb.width - 3, 3))) > 200  # white mark
        assert min(rgb.getpixel((3, 3))) < 200  # not at the top-left any more
        assert not thumb.getexif().get_ifd(0x8825)  # no GPS in the thumbnail


def test_undeclared_type_is_taken_from_the_content(tmp_path: Path) -> None:
    path = _file(tmp_path, samples.jpeg(), "upload.bin")
    result = probe_media(path, kind="photo", content_type="application/octet-stream")
    assert result.content_type == "image/jpeg"
    assert result.preview is None


@pytest.mark.parametrize(
    ("data", "name", "kind", "content_type", "code"),
    [
        (b"just some text, not a video\n" * 10, "clip.mp4", "video", "video/mp4", ErrorCode.MEDIA_UNREADABLE),
        (b"#EXTM3U\n#EXTINF:1,\nfile:///etc/passwd\n", "clip.mp4", "video", "video/mp4", ErrorCode.MEDIA_UNREADABLE),
        ("jpeg", "clip.mp4", "video", "video/mp4", ErrorCode.MEDIA_UNREADABLE),
        ("mp4", "voice.m4a", "audio", "audio/mp4", ErrorCode.MEDIA_TYPE_MISMATCH),
        ("wav", "clip.mp4", "video", "video/mp4", ErrorCode.MEDIA_TYPE_MISMATCH),
        ("mp4", "clip.mkv", "video", "video/x-matroska", ErrorCode.MEDIA_TYPE_MISMATCH),
        ("mp4", "photo.jpg", "photo", "image/jpeg", ErrorCode.MEDIA_UNREADABLE),
        ("jpeg", "photo.png", "photo", "image/png", ErrorCode.MEDIA_TYPE_MISMATCH),
        ("jpeg", "photo.jpg", "photo", "video/mp4", ErrorCode.MEDIA_TYPE_MISMATCH),
        ("truncated-jpeg", "photo.jpg", "photo", "image/jpeg", ErrorCode.MEDIA_UNREADABLE),
        (b"not a pdf", "scan.pdf", "document", "application/pdf", ErrorCode.MEDIA_TYPE_MISMATCH),
    ],
    ids=[
        "text as mp4",
        "playlist as mp4",
        "photo as video",
        "video as audio",
        "audio as video",
        "mp4 declared matroska",
        "video as photo",
        "jpeg declared png",
        "photo declared video type",
        "truncated jpeg",
        "text as pdf",
    ],
)
def test_unreadable_or_mislabelled_content_is_refused(tmp_path: Path, data, name, kind, content_type, code) -> None:
    content = {
        "jpeg": samples.jpeg(),
        "mp4": samples.mp4(),
        "wav": samples.wav(),
        "truncated-jpeg": samples.jpeg()[: len(samples.jpeg()) // 2],
    }.get(data, data)
    path = _file(tmp_path, content, name)
    with pytest.raises(DomainError) as excinfo:
        probe_media(path, kind=kind, content_type=content_type, preview_dir=tmp_path / "previews")
    assert excinfo.value.code == code
    assert excinfo.value.message  # a Chinese message for the user


def test_audio_metadata(tmp_path: Path) -> None:
    path = _file(tmp_path, samples.wav(seconds=2.0), "inquiry.wav")
    result = probe_media(path, kind="audio", content_type="audio/wav", preview_dir=tmp_path / "previews")
    assert result.duration_ms == 2000
    assert result.audio_codec == "pcm_s16le"
    assert result.video_codec == ""
    assert result.metadata["sample_rate"] == 8000
    assert result.preview is None
