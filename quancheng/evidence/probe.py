"""What the bytes of an upload are: ffprobe for video and audio, Pillow for photos; poster frames and thumbnails.

The content decides, never the file name: a file declared as a video must contain a video stream in a container
we accept, a photo must decode as an image, and a specific declared type (``video/mp4``, ``image/jpeg``) must be
what the bytes are. Anything else is refused before the bytes are committed to the store.

ffprobe and ffmpeg run as subprocesses on a local file (the staged upload), with two fences against hostile
input: ``-protocol_whitelist file`` and ``-format_whitelist`` (the containers below only), so a playlist or
concat script dressed up as a video can never make ffmpeg open other files or the network.

This is slow I/O: callers run it outside any database transaction.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
import warnings
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Any

from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from quancheng.core.dates import as_aware
from quancheng.core.errors import DomainError, ErrorCode

from .models import MediaKind

# Longest a single ffprobe/ffmpeg run may take (seconds); probing reads headers, the poster seeks to one frame.
PROBE_TIMEOUT_SECONDS = 120
# Poster frames and thumbnails fit in a box of this many pixels (never enlarged).
POSTER_MAX_EDGE = 640
THUMBNAIL_MAX_EDGE = 320
PREVIEW_JPEG_QUALITY = 85
# The poster is taken this far into the video, or at half its length when it is shorter.
POSTER_AT_SECONDS = Decimal("1.0")
COORDINATE_PLACES = Decimal("0.000001")
DEFAULT_CONTENT_TYPE = "application/octet-stream"
PREVIEW_CONTENT_TYPE = "image/jpeg"

# Demuxers ffmpeg may use on uploads (names as ``ffmpeg -demuxers`` prints them).
AV_DEMUXERS = (
    "mov,mp4,m4a,3gp,3g2,mj2",
    "matroska,webm",
    "avi",
    "mpegts",
    "mpeg",
    "flv",
    "asf",
    "wav",
    "w64",
    "mp3",
    "aac",
    "ogg",
    "flac",
    "amr",
    "amrnb",
    "amrwb",
)
_FENCE = ["-protocol_whitelist", "file", "-format_whitelist", ",".join(AV_DEMUXERS)]

# A specific declared type → the demuxer names (any of) its bytes must have been read by.
_AV_CONTAINERS: dict[str, frozenset[str]] = {
    "video/mp4": frozenset({"mp4"}),
    "video/quicktime": frozenset({"mov"}),
    "video/3gpp": frozenset({"3gp"}),
    "video/3gpp2": frozenset({"3g2"}),
    "video/x-matroska": frozenset({"matroska"}),
    "video/webm": frozenset({"webm", "matroska"}),
    "video/x-msvideo": frozenset({"avi"}),
    "video/avi": frozenset({"avi"}),
    "video/mp2t": frozenset({"mpegts"}),
    "video/mpeg": frozenset({"mpeg", "mpegts"}),
    "video/x-flv": frozenset({"flv"}),
    "video/x-ms-wmv": frozenset({"asf"}),
    "video/x-ms-asf": frozenset({"asf"}),
    "audio/mpeg": frozenset({"mp3"}),
    "audio/mp3": frozenset({"mp3"}),
    "audio/wav": frozenset({"wav", "w64"}),
    "audio/x-wav": frozenset({"wav", "w64"}),
    "audio/wave": frozenset({"wav", "w64"}),
    "audio/vnd.wave": frozenset({"wav", "w64"}),
    "audio/aac": frozenset({"aac", "mp4", "m4a"}),
    "audio/mp4": frozenset({"mp4", "m4a"}),
    "audio/x-m4a": frozenset({"mp4", "m4a"}),
    "audio/m4a": frozenset({"mp4", "m4a"}),
    "audio/ogg": frozenset({"ogg"}),
    "audio/flac": frozenset({"flac"}),
    "audio/x-flac": frozenset({"flac"}),
    "audio/amr": frozenset({"amr", "amrnb", "amrwb"}),
    "audio/webm": frozenset({"webm", "matroska"}),
    "audio/x-ms-wma": frozenset({"asf"}),
}
# The type recorded for an undeclared (octet-stream) upload, by the demuxer that read it.
_VIDEO_TYPE_BY_DEMUXER = {
    "mov": "video/mp4",
    "matroska": "video/x-matroska",
    "avi": "video/x-msvideo",
    "mpegts": "video/mp2t",
    "mpeg": "video/mpeg",
    "flv": "video/x-flv",
    "asf": "video/x-ms-asf",
}
_AUDIO_TYPE_BY_DEMUXER = {
    "mov": "audio/mp4",
    "matroska": "audio/webm",
    "wav": "audio/wav",
    "w64": "audio/wav",
    "mp3": "audio/mpeg",
    "aac": "audio/aac",
    "ogg": "audio/ogg",
    "flac": "audio/flac",
    "amr": "audio/amr",
    "amrnb": "audio/amr",
    "amrwb": "audio/amr",
    "asf": "audio/x-ms-wma",
}
# Photos: Pillow format ↔ MIME type. Only these are opened (``Image.open(formats=...)``).
_IMAGE_TYPES = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "GIF": "image/gif",
    "TIFF": "image/tiff",
    "BMP": "image/bmp",
}
_IMAGE_ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "image/x-png": "image/png"}
_PDF_MAGIC = b"%PDF-"
_ISO6709 = re.compile(r"^([+-]\d+(?:\.\d+)?)([+-]\d+(?:\.\d+)?)")
# Container times that mean "not set" (QuickTime's and Unix's epochs).
_EPOCH_YEARS = {1904, 1970}

# EXIF tags (numbers from the EXIF 2.3 specification).
EXIF_ORIENTATION = 0x0112
EXIF_MAKE = 0x010F
EXIF_MODEL = 0x0110
EXIF_DATETIME = 0x0132
EXIF_DATETIME_ORIGINAL = 0x9003
EXIF_OFFSET_TIME_ORIGINAL = 0x9011
GPS_LATITUDE_REF, GPS_LATITUDE, GPS_LONGITUDE_REF, GPS_LONGITUDE = 1, 2, 3, 4
# Orientations 5–8 turn the picture a quarter: displayed width and height swap.
_QUARTER_TURNS = {5, 6, 7, 8}


@dataclass(frozen=True)
class Preview:
    """A JPEG poster frame or thumbnail written to a temp file (the caller stores it, then removes the file)."""

    path: Path
    width: int
    height: int


@dataclass
class ProbeResult:
    content_type: str
    container: str = ""
    duration_ms: int | None = None
    width: int | None = None
    height: int | None = None
    video_codec: str = ""
    audio_codec: str = ""
    recorded_at: datetime | None = None
    gps_latitude: Decimal | None = None
    gps_longitude: Decimal | None = None
    orientation: int | None = None
    metadata: dict[str, str | int] = field(default_factory=dict)
    preview: Preview | None = None

    def fields(self) -> dict[str, Any]:
        """The MediaObject fields this result fills (the preview is stored separately)."""
        return {
            "container": self.container,
            "duration_ms": self.duration_ms,
            "width": self.width,
            "height": self.height,
            "video_codec": self.video_codec,
            "audio_codec": self.audio_codec,
            "recorded_at": self.recorded_at,
            "gps_latitude": self.gps_latitude,
            "gps_longitude": self.gps_longitude,
            "orientation": self.orientation,
            "metadata": self.metadata,
        }


def _unreadable(message: str) -> DomainError:
    return DomainError(ErrorCode.MEDIA_UNREADABLE, message)


def _mismatch(message: str) -> DomainError:
    return DomainError(ErrorCode.MEDIA_TYPE_MISMATCH, message)


_KIND_LABEL = {MediaKind.VIDEO: "录像", MediaKind.AUDIO: "录音", MediaKind.PHOTO: "照片", MediaKind.DOCUMENT: "文件"}


def probe_media(path: Path, *, kind: str, content_type: str, preview_dir: Path | None = None) -> ProbeResult:
    """Read what the file at ``path`` is; refuse (``DomainError``) unreadable or mislabelled content.

    ``content_type`` is the declared, already normalised MIME type (``application/octet-stream`` when none was
    declared: the detected type is then recorded). With ``preview_dir``, a poster frame (video) or thumbnail
    (photo) is written there as JPEG.
    """
    kind = MediaKind(kind)
    if kind in (MediaKind.VIDEO, MediaKind.AUDIO):
        return _probe_av(path, kind=kind, content_type=content_type, preview_dir=preview_dir)
    if kind == MediaKind.PHOTO:
        return _probe_photo(path, content_type=content_type, preview_dir=preview_dir)
    return _probe_document(path, content_type=content_type)


# --- video and audio ----------------------------------------------------------------------------------------------


def _run(argv: list[str]) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(argv, capture_output=True, timeout=PROBE_TIMEOUT_SECONDS, check=False, stdin=None)
    except FileNotFoundError as exc:  # a deployment without ffmpeg: not the uploader's fault
        raise RuntimeError(f"{argv[0]} is not installed (scripts/ensure-system-deps.sh installs ffmpeg)") from exc
    except subprocess.TimeoutExpired as exc:
        raise _unreadable(f"文件分析超时({PROBE_TIMEOUT_SECONDS} 秒),无法识别其内容") from exc


def ffprobe(path: Path) -> dict[str, Any]:
    """ffprobe's JSON description (format and streams) of a local file; MEDIA_UNREADABLE when it cannot read it."""
    result = _run(
        ["ffprobe", "-v", "error", *_FENCE, "-print_format", "json", "-show_format", "-show_streams", f"file:{path}"]
    )
    try:
        data = json.loads(result.stdout or b"{}")
    except ValueError:
        data = {}
    if result.returncode != 0 or not isinstance(data.get("format"), dict):
        raise _unreadable("无法识别的音视频文件:内容不是受支持的音视频格式,或文件已损坏")
    return data


def _declared_family(kind: MediaKind, content_type: str) -> None:
    family = "video/" if kind == MediaKind.VIDEO else "audio/"
    if content_type == DEFAULT_CONTENT_TYPE or content_type.startswith(family):
        return
    # A video file may reasonably be declared with an audio type by some recorders, but never as an image or text.
    raise _mismatch(f"声明的文件类型 {content_type} 与资料类型“{_KIND_LABEL[kind]}”不符")


def _probe_av(path: Path, *, kind: MediaKind, content_type: str, preview_dir: Path | None) -> ProbeResult:
    _declared_family(kind, content_type)
    data = ffprobe(path)
    fmt: dict[str, Any] = data["format"]
    streams: list[dict[str, Any]] = [s for s in data.get("streams") or [] if isinstance(s, dict)]
    demuxers = frozenset(str(fmt.get("format_name", "")).split(","))
    video = [
        s for s in streams if s.get("codec_type") == "video" and not (s.get("disposition") or {}).get("attached_pic")
    ]
    audio = [s for s in streams if s.get("codec_type") == "audio"]
    if kind == MediaKind.VIDEO and not video:
        raise _mismatch("文件中没有视频画面:声明为录像,内容却不是视频" + ("(是录音)" if audio else ""))
    if kind == MediaKind.AUDIO and not audio:
        raise _mismatch("文件中没有音频:声明为录音,内容却不是音频")
    if kind == MediaKind.AUDIO and video:
        raise _mismatch("文件中含有视频画面:应作为录像上传")
    expected = _AV_CONTAINERS.get(content_type)
    if expected is not None and not (expected & demuxers):
        raise _mismatch(f"声明的文件类型 {content_type} 与文件内容({fmt.get('format_name')})不符")
    duration_ms = _duration_ms(fmt.get("duration"))
    if duration_ms is None or duration_ms <= 0:
        raise _unreadable("无法读取音视频的时长:文件可能已损坏或不完整")
    if content_type == DEFAULT_CONTENT_TYPE:
        by_demuxer = _VIDEO_TYPE_BY_DEMUXER if kind == MediaKind.VIDEO else _AUDIO_TYPE_BY_DEMUXER
        content_type = next((by_demuxer[name] for name in fmt["format_name"].split(",") if name in by_demuxer), "")
        content_type = content_type or ("video/mp4" if kind == MediaKind.VIDEO else "audio/mpeg")
    tags = _lower_keys(fmt.get("tags"))
    result = ProbeResult(
        content_type=content_type,
        container=str(fmt.get("format_name", ""))[:64],
        duration_ms=duration_ms,
        video_codec=str(video[0].get("codec_name", ""))[:32] if video else "",
        audio_codec=str(audio[0].get("codec_name", ""))[:32] if audio else "",
        recorded_at=_container_time(tags.get("creation_time"))
        or next((t for s in streams if (t := _container_time(_lower_keys(s.get("tags")).get("creation_time")))), None),
    )
    if video:
        result.width, result.height = _int(video[0].get("width")), _int(video[0].get("height"))
        if (rate := video[0].get("avg_frame_rate")) and rate != "0/0":
            result.metadata["frame_rate"] = str(rate)
        rotation = _rotation(video[0])
        if rotation:
            result.metadata["rotation"] = rotation
    if audio:
        if (rate := _int(audio[0].get("sample_rate"))) is not None:
            result.metadata["sample_rate"] = rate
        if (channels := _int(audio[0].get("channels"))) is not None:
            result.metadata["channels"] = channels
    if (bit_rate := _int(fmt.get("bit_rate"))) is not None:
        result.metadata["bit_rate"] = bit_rate
    for key in ("make", "model", "com.apple.quicktime.make", "com.apple.quicktime.model"):
        if tags.get(key):
            result.metadata[key.rsplit(".", 1)[-1]] = str(tags[key])[:64]
    location = tags.get("location") or tags.get("com.apple.quicktime.location.iso6709")
    if location and (match := _ISO6709.match(str(location))):
        result.gps_latitude, result.gps_longitude = _coordinates(match.group(1), match.group(2))
    if kind == MediaKind.VIDEO and preview_dir is not None:
        result.preview = poster_frame(path, duration_ms=duration_ms, out_dir=preview_dir)
    return result


def _lower_keys(tags: Any) -> dict[str, Any]:
    return {str(k).lower(): v for k, v in tags.items()} if isinstance(tags, dict) else {}


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _duration_ms(value: Any) -> int | None:
    try:
        seconds = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    if not seconds.is_finite():
        return None
    return int((seconds * 1000).to_integral_value())


def _rotation(stream: dict[str, Any]) -> int:
    for side in stream.get("side_data_list") or []:
        if isinstance(side, dict) and "rotation" in side:
            return _int(side["rotation"]) or 0
    return _int(_lower_keys(stream.get("tags")).get("rotate")) or 0


def _container_time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value).strip())
    except ValueError:
        return None
    if moment.year in _EPOCH_YEARS:
        return None
    return as_aware(moment)


def _coordinates(latitude: Any, longitude: Any) -> tuple[Decimal | None, Decimal | None]:
    try:
        lat = Decimal(str(latitude)).quantize(COORDINATE_PLACES)
        lon = Decimal(str(longitude)).quantize(COORDINATE_PLACES)
    except (InvalidOperation, ValueError):
        return None, None
    if abs(lat) > 90 or abs(lon) > 180:
        return None, None
    return lat, lon


def poster_frame(path: Path, *, duration_ms: int, out_dir: Path) -> Preview:
    """One frame as a JPEG no larger than ``POSTER_MAX_EDGE`` (rotation applied, as ffmpeg does by default).

    A video none of whose frames decodes is unreadable: it is refused like a file ffprobe cannot read.
    """
    at = min(POSTER_AT_SECONDS, Decimal(duration_ms) / 2000)
    out_dir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=out_dir, prefix="poster-", suffix=".jpg")
    os.close(fd)  # ffmpeg (-y) writes the file; the unique name is ours
    target = Path(name)
    edge = POSTER_MAX_EDGE
    scale = f"scale=w='min({edge},iw)':h='min({edge},ih)':force_original_aspect_ratio=decrease"
    argv = ["ffmpeg", "-nostdin", "-v", "error", *_FENCE, "-ss", str(at), "-i", f"file:{path}"]
    argv += ["-frames:v", "1", "-vf", scale, "-q:v", "3", "-f", "image2", "-y", str(target)]
    result = _run(argv)
    if result.returncode != 0 or not target.is_file() or target.stat().st_size == 0:
        target.unlink(missing_ok=True)
        raise _unreadable("无法从视频中解码出画面:文件可能已损坏")
    try:
        with Image.open(target) as image:
            width, height = image.size
    except (OSError, UnidentifiedImageError) as exc:
        target.unlink(missing_ok=True)
        raise _unreadable("无法从视频中解码出画面:文件可能已损坏") from exc
    return Preview(path=target, width=width, height=height)


# --- photos -------------------------------------------------------------------------------------------------------


def _probe_photo(path: Path, *, content_type: str, preview_dir: Path | None) -> ProbeResult:
    content_type = _IMAGE_ALIASES.get(content_type, content_type)
    if content_type != DEFAULT_CONTENT_TYPE and not content_type.startswith("image/"):
        raise _mismatch(f"声明的文件类型 {content_type} 与资料类型“照片”不符")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path, formats=list(_IMAGE_TYPES)) as image:
                detected = _IMAGE_TYPES[str(image.format)]
                if content_type not in (DEFAULT_CONTENT_TYPE, detected):
                    raise _mismatch(f"声明的文件类型 {content_type} 与文件内容({detected})不符")
                result = _photo_metadata(image, detected)
                preview = _thumbnail(image, preview_dir) if preview_dir is not None else None
                if preview is None:
                    image.load()  # decodable to the end, even when no thumbnail is wanted
    except DomainError:
        raise
    except (OSError, UnidentifiedImageError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        # Pillow reports a truncated or corrupt image as OSError / SyntaxError, an unknown one as Unidentified….
        raise _unreadable(
            "无法识别的图片:内容不是受支持的图片格式(JPEG、PNG、WebP、GIF、TIFF、BMP),或文件已损坏"
        ) from exc
    result.preview = preview
    return result


def _photo_metadata(image: Image.Image, content_type: str) -> ProbeResult:
    exif = image.getexif()
    orientation = _int(exif.get(EXIF_ORIENTATION))
    orientation = orientation if orientation in range(1, 9) else None
    width, height = image.size
    if orientation in _QUARTER_TURNS:
        width, height = height, width  # as displayed
    sub = exif.get_ifd(ExifTags.IFD.Exif)
    taken = _exif_time(sub.get(EXIF_DATETIME_ORIGINAL), sub.get(EXIF_OFFSET_TIME_ORIGINAL)) or _exif_time(
        exif.get(EXIF_DATETIME), None
    )
    result = ProbeResult(
        content_type=content_type,
        container=str(image.format),
        width=width,
        height=height,
        recorded_at=taken,
        orientation=orientation,
    )
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    latitude = _gps_degrees(gps.get(GPS_LATITUDE), gps.get(GPS_LATITUDE_REF), negative="S")
    longitude = _gps_degrees(gps.get(GPS_LONGITUDE), gps.get(GPS_LONGITUDE_REF), negative="W")
    if latitude is not None and longitude is not None:
        result.gps_latitude, result.gps_longitude = _coordinates(latitude, longitude)
    for tag, key in ((EXIF_MAKE, "make"), (EXIF_MODEL, "model")):
        if isinstance(exif.get(tag), str) and exif[tag].strip("\x00 "):
            result.metadata[key] = exif[tag].strip("\x00 ")[:64]
    return result


def _exif_time(value: Any, offset: Any) -> datetime | None:
    """EXIF "YYYY:MM:DD HH:MM:SS" with its optional "+08:00" offset; without one it is local wall-clock time."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.strptime(value.strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    if isinstance(offset, str):
        try:
            return datetime.fromisoformat(moment.isoformat() + offset.strip("\x00 "))
        except ValueError:
            pass
    return as_aware(moment)


def _gps_degrees(value: Any, ref: Any, *, negative: str) -> Decimal | None:
    """Degrees, minutes, seconds (EXIF rationals) → signed decimal degrees."""
    try:
        parts = [Fraction(part.numerator, part.denominator) for part in value]
    except (TypeError, AttributeError, ZeroDivisionError, ValueError):
        return None
    if len(parts) != 3:
        return None
    degrees = parts[0] + parts[1] / 60 + parts[2] / 3600
    decimal = Decimal(degrees.numerator) / Decimal(degrees.denominator)
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "replace")
    if isinstance(ref, str) and ref.strip("\x00 ").upper() == negative:
        decimal = -decimal
    return decimal


def _thumbnail(image: Image.Image, out_dir: Path) -> Preview:
    """A JPEG of at most ``THUMBNAIL_MAX_EDGE``, turned upright by the EXIF orientation, without the EXIF (no GPS)."""
    if image.format == "JPEG":
        # Decode at a reduced scale when the picture is much larger: far less memory and time for a camera photo.
        image.draft("RGB", (THUMBNAIL_MAX_EDGE * 2, THUMBNAIL_MAX_EDGE * 2))
    upright = ImageOps.exif_transpose(image)
    upright.thumbnail((THUMBNAIL_MAX_EDGE, THUMBNAIL_MAX_EDGE))
    if upright.mode not in ("RGB", "L"):
        upright = upright.convert("RGB")
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=out_dir, prefix="thumb-", suffix=".jpg", delete=False) as out:
        upright.save(out, format="JPEG", quality=PREVIEW_JPEG_QUALITY)
    return Preview(path=Path(out.name), width=upright.width, height=upright.height)


# --- documents ----------------------------------------------------------------------------------------------------


def _probe_document(path: Path, *, content_type: str) -> ProbeResult:
    """Documents are kept as they are; only a declared PDF must be one."""
    if content_type == "application/pdf":
        with open(path, "rb") as stream:
            head = stream.read(1024)
        if _PDF_MAGIC not in head:
            raise _mismatch("声明为 PDF 文件,内容却不是 PDF")
        return ProbeResult(content_type=content_type, container="pdf")
    return ProbeResult(content_type=content_type)
