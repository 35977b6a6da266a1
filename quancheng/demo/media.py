"""Small but real media files for the demo, made in pure Python (no image or audio libraries needed)."""

from __future__ import annotations

import io
import math
import struct
import wave
import zlib


def png(width: int, height: int, seed: int) -> bytes:
    """An RGB PNG with a gradient that differs per seed, so each demo photo has its own digest."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter type: none
        for x in range(width):
            rows += bytes(((x * 4 + seed * 37) % 256, (y * 4 + seed * 11) % 256, (seed * 53) % 256))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(rows))) + chunk(b"IEND", b"")
    )


def wav(seconds: float, frequency: float, rate: int = 8000) -> bytes:
    """A mono 16-bit PCM WAV tone: a stand-in for an inquiry's audio recording."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        frames = b"".join(
            struct.pack("<h", int(8000 * math.sin(2 * math.pi * frequency * i / rate)))
            for i in range(int(seconds * rate))
        )
        out.writeframes(frames)
    return buffer.getvalue()
