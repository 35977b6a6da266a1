"""Real media files made by the tests: an H.264/AAC MP4 from ffmpeg's test source, JPEG photos with EXIF (Pillow),
PNGs and WAVs. Cached per process (a video takes ffmpeg a fraction of a second, not nothing)."""

from __future__ import annotations

import functools
import io
import subprocess
import tempfile
from pathlib import Path

from PIL import ExifTags, Image

from quancheng.demo import media as demo_media

# The capture time the test video's container says (ffmpeg -metadata creation_time=...).
VIDEO_CREATION_TIME = "2026-03-01T08:30:00Z"
VIDEO_SIZE = (320, 240)
VIDEO_SECONDS = 3
# The photo's EXIF: taken 2026-03-01 16:30:00 (+08:00) at 31°13'49.44"N 121°28'25.2"E, orientation 6 (turn 90° CW).
PHOTO_SIZE = (400, 200)
PHOTO_TAKEN = "2026:03:01 16:30:00"
PHOTO_GPS = ((31, 13, 49.44), (121, 28, 25.2))


@functools.lru_cache(maxsize=16)
def mp4(seed: int = 0, seconds: int = VIDEO_SECONDS) -> bytes:
    """A real MP4 (H.264 video from testsrc, AAC sine audio) with ``creation_time``; ``seed`` varies the bytes."""
    width, height = VIDEO_SIZE
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "clip.mp4"
        subprocess.run(
            [
                "ffmpeg", "-nostdin", "-v", "error", "-y",
                "-f", "lavfi", "-i", f"testsrc=size={width}x{height}:rate=25:duration={seconds}",
                "-f", "lavfi", "-i", f"sine=frequency={440 + 10 * seed}:duration={seconds}",
                "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
                "-metadata", f"creation_time={VIDEO_CREATION_TIME}",
                str(out),
            ],
            check=True,
            capture_output=True,
        )  # fmt: skip
        return out.read_bytes()


@functools.lru_cache(maxsize=16)
def jpeg(seed: int = 0, *, orientation: int = 6, gps: bool = True) -> bytes:
    """A JPEG photo 400×200 as stored, with EXIF orientation, DateTimeOriginal (+08:00) and GPS."""
    image = Image.new("RGB", PHOTO_SIZE, ((seed * 37) % 256, 120, 200))
    # A mark in the top-left corner, so the orientation of a thumbnail can be seen by its pixels.
    image.paste((255, 255, 255), (0, 0, 40, 40))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "TestCam"
    exif.get_ifd(ExifTags.IFD.Exif).update(
        {ExifTags.Base.DateTimeOriginal: PHOTO_TAKEN, ExifTags.Base.OffsetTimeOriginal: "+08:00"}
    )
    if gps:
        (lat, lon) = PHOTO_GPS
        exif.get_ifd(ExifTags.IFD.GPSInfo).update(
            {
                ExifTags.GPS.GPSLatitudeRef: "N",
                ExifTags.GPS.GPSLatitude: tuple(float(part) for part in lat),
                ExifTags.GPS.GPSLongitudeRef: "E",
                ExifTags.GPS.GPSLongitude: tuple(float(part) for part in lon),
            }
        )
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif, quality=90)
    return buffer.getvalue()


def png(seed: int = 0, width: int = 48, height: int = 32) -> bytes:
    return demo_media.png(width, height, seed)


def wav(seed: int = 0, seconds: float = 1.0) -> bytes:
    return demo_media.wav(seconds, 440 + 20 * seed)
