"""Fixtures for the tus tests: a live server (pytest-django's, transactional), the public ``tuspy`` client, real
media made with ffmpeg, an isolated blob store, and a case / record / device of the personas' agency."""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
import requests
from moto.server import ThreadedMotoServer
from tusclient.client import TusClient
from tusclient.uploader import Uploader

from quancheng.accounts import services as accounts
from quancheng.accounts.models import Agency, Unit, User
from quancheng.cases import services as cases
from quancheng.cases.models import ActType, Case, CaseSource, Procedure
from quancheng.evidence import services as evidence
from quancheng.evidence.models import Device
from quancheng.evidence.s3 import S3BlobStore
from quancheng.evidence.storage import get_blob_store
from quancheng.ledger.models import LedgerEntry
from quancheng.uploads import services as uploads
from quancheng.uploads.staging import HASH_STATES

TUS_PATH = "/api/v1/uploads/"
REGION = "us-east-1"
TUS = {"Tus-Resumable": "1.0.0"}


class Sha256Uploader(Uploader):
    """tuspy's uploader with the sha256 checksum (tuspy defaults to sha1)."""

    CHECKSUM_ALGORITHM_PAIR = ("sha256", hashlib.sha256)


@pytest.fixture(autouse=True)
def blob_dir(settings, tmp_path: Path) -> Path:
    """Each test gets its own empty local store, so "nothing was written" is checkable."""
    root = tmp_path / "blobs"
    settings.QUANCHENG_BLOB_BACKEND = "local"
    settings.QUANCHENG_BLOB_DIR = root
    return root


@pytest.fixture(autouse=True)
def _fresh_hash_states(monkeypatch) -> Iterator[None]:
    # Local connections never go through a proxy the environment may name.
    monkeypatch.setenv("NO_PROXY", ",".join(filter(None, [os.environ.get("NO_PROXY"), "127.0.0.1", "localhost"])))
    HASH_STATES.clear()
    yield
    HASH_STATES.clear()


def stored_files(root: Path) -> list[Path]:
    """Every file under the store, committed or still in ``incoming``."""
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def incoming_files(root: Path) -> list[Path]:
    return stored_files(root / "incoming")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="session")
def video_file(tmp_path_factory) -> Path:
    """A real 3-second H.264/AAC MP4 made by ffmpeg (test pattern and a tone)."""
    path = tmp_path_factory.mktemp("media") / "执法记录仪-0001.mp4"
    subprocess.run(
        [
            "ffmpeg", "-hide_banner", "-loglevel", "error",
            "-f", "lavfi", "-i", "testsrc=duration=3:size=320x240:rate=15",
            "-f", "lavfi", "-i", "sine=frequency=440:duration=3",
            "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", "-y", str(path),
        ],
        check=True,
    )  # fmt: skip
    return path


@pytest.fixture
def make_file(tmp_path: Path) -> Callable[..., Path]:
    """``make_file(data, name=...)`` → a file holding ``data``."""

    def make(data: bytes, name: str = "document.bin") -> Path:
        path = tmp_path / name
        path.write_bytes(data)
        return path

    return make


@pytest.fixture
def case(zhangsan: User, lisi: User, agency: Agency, unit: Unit) -> Case:
    return cases.case_open(
        actor=zhangsan,
        agency=agency,
        unit=unit,
        title="某超市销售过期食品案",
        act_type=ActType.PENALTY,
        source=CaseSource.INSPECTION,
        procedure=Procedure.GENERAL,
    )


@pytest.fixture
def other_case(outsider: User, other_agency: Agency) -> Case:
    other_unit = accounts.unit_create(actor=None, agency=other_agency, name="综合执法科")
    return cases.case_open(
        actor=outsider,
        agency=other_agency,
        unit=other_unit,
        title="另一机关的案件",
        act_type=ActType.PENALTY,
        source=CaseSource.INSPECTION,
        procedure=Procedure.GENERAL,
    )


@pytest.fixture
def device(agency: Agency) -> Device:
    return evidence.device_register(actor=None, agency=agency, serial="DSJ-2026-0001", model="DSJ-V8")


@pytest.fixture
def user_token() -> Callable[[User], str]:
    def make(user: User) -> str:
        _token, secret = accounts.token_create(actor=user, user=user, name="tus test")
        return secret

    return make


@pytest.fixture
def device_token() -> Callable[[Device], str]:
    def make(device: Device) -> str:
        _token, secret = uploads.device_token_create(actor=None, device=device, name="tus test")
        return secret

    return make


@pytest.fixture
def tus_url(live_server) -> str:
    return f"{live_server.url}{TUS_PATH}"


@pytest.fixture
def tus_client(tus_url: str) -> Callable[[str], TusClient]:
    """``tus_client(secret)`` → a tuspy client that sends the bearer token."""
    return lambda secret: TusClient(tus_url, headers={"Authorization": f"Bearer {secret}"})


@pytest.fixture
def uploader() -> Callable[..., Uploader]:
    """``uploader(client, path, metadata, chunk_size=..., url=None, cls=Sha256Uploader)`` with sha256 checksums."""

    def make(
        client: TusClient,
        path: Path,
        metadata: dict[str, str] | None = None,
        *,
        chunk_size: int = 8 * 1024,
        url: str | None = None,
        cls: type[Uploader] = Sha256Uploader,
        checksum: bool = True,
    ) -> Uploader:
        return cls(
            file_path=str(path),
            client=client,
            url=url,
            chunk_size=chunk_size,
            metadata=metadata or {},
            upload_checksum=checksum,
        )

    return make


@pytest.fixture
def http(tus_url: str) -> Callable[..., requests.Response]:
    """``http(method, url_or_none, secret, headers=..., data=...)``: a raw tus request (plain ``requests``)."""

    def send(
        method: str, url: str | None, secret: str | None, *, headers: dict[str, str] | None = None, data: Any = None
    ) -> requests.Response:
        sent = dict(TUS)
        if secret:
            sent["Authorization"] = f"Bearer {secret}"
        sent.update(headers or {})
        return requests.request(method, url or tus_url, headers=sent, data=data, timeout=60)

    return send


@pytest.fixture
def ledger_of() -> Callable[[str], list[tuple[str, str]]]:
    """``ledger_of(subject)`` → [(action, actor)] of the ledger entries about ``subject``, in order."""
    return lambda subject: list(
        LedgerEntry.objects.filter(subject=subject).order_by("index").values_list("action", "actor")
    )


def raw_patch(url: str, secret: str, *, offset: int, declared: int, body: bytes) -> socket.socket:
    """Start a PATCH declaring ``declared`` body bytes and send only ``body``: a request still in flight (or,
    once the socket's write side is shut, one the client abandoned mid-body)."""
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=30)
    head = (
        f"PATCH {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nTus-Resumable: 1.0.0\r\n"
        f"Authorization: Bearer {secret}\r\nUpload-Offset: {offset}\r\n"
        f"Content-Type: application/offset+octet-stream\r\nContent-Length: {declared}\r\nConnection: close\r\n\r\n"
    )
    sock.sendall(head.encode("ascii") + body)
    return sock


def read_status(sock: socket.socket) -> int:
    """The status code of the response on ``sock`` (read to the end), then close it."""
    chunks = []
    while block := sock.recv(65536):
        chunks.append(block)
    sock.close()
    return int(b"".join(chunks).split(b" ", 2)[1])


def wait_for(condition: Callable[[], bool], what: str, attempts: int = 200) -> None:
    """Poll ``condition`` (bounded: a server thread needs a moment to reach a state); fail if it never holds."""
    for _ in range(attempts):
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"never happened: {what}")


# --- S3 (moto's server, started here) ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """A moto S3 server on a free local port, with throw-away credentials in the usual AWS variables."""
    with pytest.MonkeyPatch.context() as mp:
        for name, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": REGION,
        }.items():
            mp.setenv(name, value)
        mp.setenv("NO_PROXY", ",".join(filter(None, [os.environ.get("NO_PROXY"), "127.0.0.1", "localhost"])))
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        try:
            yield f"http://{host}:{port}"
        finally:
            server.stop()


@pytest.fixture
def store(settings, s3_endpoint: str) -> S3BlobStore:
    bucket = f"qc-tus-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=s3_endpoint, region_name=REGION).create_bucket(Bucket=bucket)
    settings.QUANCHENG_BLOB_BACKEND = "s3"
    settings.QUANCHENG_S3_ENDPOINT_URL = s3_endpoint
    settings.QUANCHENG_S3_BUCKET = bucket
    settings.QUANCHENG_S3_REGION = REGION
    found = get_blob_store()
    assert isinstance(found, S3BlobStore)
    return found
