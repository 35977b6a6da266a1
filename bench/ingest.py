"""Resumable ingest benchmark (issue 5): one 1 GiB file through the tus endpoint in 8 MiB chunks, against
``cp`` followed by ``sha256sum`` of the same file on the same disk, in the same run.

    .venv/bin/python bench/ingest.py                     # 1 GiB, 8 MiB chunks, 2 gunicorn workers
    .venv/bin/python bench/ingest.py --size-mib 256      # a quicker run
    .venv/bin/python bench/ingest.py --dir /data/tmp     # another disk (the baseline and the server use it both)

Not part of the test run. Everything lives in a temporary directory (under ``var/`` of the checkout by default,
the disk the data directory is on) that is removed afterwards: the random source file, the ``cp`` copy, and the
server's data directory (SQLite database and blob store).

What is measured:
- baseline: wall time of ``cp SRC DST`` then ``sha256sum DST`` (subprocesses, one after the other);
- ours: a real server (``gunicorn quancheng.wsgi`` with the production settings, SQLite in the temp data dir,
  started by the bench after ``migrate``) and the public ``tuspy`` client uploading the file in 8 MiB chunks —
  creation, every PATCH (the server writes, fsyncs and hashes each chunk), and the final one that probes, commits
  the blob to the store (a rename) and records the media object. Run twice: with a sha256 ``Upload-Checksum`` on
  every chunk (the server then hashes every byte twice: the chunk's checksum and the file's running SHA-256) and
  without one (the file's SHA-256 declared in the metadata, checked at the end);
- the server's peak memory: ``VmHWM`` (peak resident set) of the gunicorn master and of each worker, from
  ``/proc/<pid>/status``, read after the uploads (workers are never recycled during the run);
- what a resume after a server restart costs: re-hashing the staged prefix (here the whole file) with hashlib,
  the price the in-process hash state (``quancheng/uploads/staging.py``) avoids paying on every PATCH.

Targets: at least 50% of the baseline's throughput; peak server memory under 150 MB.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MIB = 1024 * 1024
CHUNK_MIB = 8
SETUP = """
from quancheng.accounts import services as accounts
agency = accounts.agency_create(actor=None, name="基准测试局", short_name="基准", case_number_prefix="基准")
user = accounts.user_create(actor=None, username="bench", full_name="基准", agency=agency, password="bench-pw-1")
print(accounts.token_create(actor=None, user=user, name="bench")[1])
"""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_random_file(path: Path, size: int) -> str:
    digest = hashlib.sha256()
    with open(path, "wb") as out:
        left = size
        while left:
            block = os.urandom(min(CHUNK_MIB * MIB, left))
            digest.update(block)
            out.write(block)
            left -= len(block)
        out.flush()
        os.fsync(out.fileno())
    return digest.hexdigest()


def baseline(source: Path, copy: Path) -> tuple[float, float, float]:
    started = time.perf_counter()
    subprocess.run(["cp", str(source), str(copy)], check=True)
    copied = time.perf_counter()
    subprocess.run(["sha256sum", str(copy)], check=True, stdout=subprocess.DEVNULL)
    done = time.perf_counter()
    copy.unlink()
    return done - started, copied - started, done - copied


def server_env(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "quancheng.settings.prod",
            "QUANCHENG_SECRET_KEY": "bench-secret-key-not-for-production",
            "QUANCHENG_DATA_DIR": str(data_dir),
            "QUANCHENG_DATABASE_URL": f"sqlite:///{data_dir / 'quancheng.sqlite3'}",
            "QUANCHENG_LOG_LEVEL": "WARNING",
            "NO_PROXY": "127.0.0.1,localhost",
        }
    )
    return env


def vm_hwm_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found.extend(int(child) for child in text)
    return found


def upload(url: str, secret: str, path: Path, sha256: str, *, checksum: bool) -> tuple[float, dict[str, str]]:
    from tusclient.client import TusClient
    from tusclient.uploader import Uploader

    class Sha256Uploader(Uploader):
        CHECKSUM_ALGORITHM_PAIR = ("sha256", hashlib.sha256)

    client = TusClient(url, headers={"Authorization": f"Bearer {secret}"})
    started = time.perf_counter()
    uploader = Sha256Uploader(
        file_path=str(path),
        client=client,
        chunk_size=CHUNK_MIB * MIB,
        metadata={"filename": path.name, "filetype": "application/octet-stream", "sha256": sha256},
        upload_checksum=checksum,
    )
    uploader.upload()
    elapsed = time.perf_counter() - started
    return elapsed, uploader.request.response_headers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--dir", type=Path, default=ROOT / "var")
    args = parser.parse_args()
    size = args.size_mib * MIB
    args.dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="qc-bench-ingest-", dir=args.dir))
    server: subprocess.Popen[Any] | None = None
    try:
        source = work / "footage.bin"
        log(f"writing {args.size_mib} MiB of random bytes to {source}")
        sha256 = make_random_file(source, size)

        log("baseline: cp, then sha256sum")
        base_total, base_cp, base_sha = baseline(source, work / "copy.bin")

        data_dir = work / "data"
        data_dir.mkdir()
        (data_dir / "static").mkdir()  # whitenoise warns about a missing STATIC_ROOT otherwise
        env = server_env(data_dir)
        python = sys.executable
        subprocess.run([python, "-m", "quancheng.cli", "migrate", "-v", "0"], check=True, env=env, cwd=ROOT)
        secret = (
            subprocess.run(
                [python, "-m", "quancheng.cli", "shell", "-c", SETUP],
                check=True,
                env=env,
                cwd=ROOT,
                capture_output=True,
                text=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        port = free_port()
        server = subprocess.Popen(
            [
                python, "-m", "gunicorn", "quancheng.wsgi:application",
                "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers), "--timeout", "300",
            ],
            env=env,
            cwd=ROOT,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}/api/v1/uploads/"
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        os.environ["NO_PROXY"] = "127.0.0.1,localhost"

        # Each variant twice, alternating (the first upload also warms the server and the disk); the best of two.
        results: dict[str, float] = {}
        runs: dict[str, list[float]] = {}
        variants = (("tus, sha256 Upload-Checksum per chunk", True), ("tus, no per-chunk checksum", False))
        for label, checksum in variants * 2:
            log(f"upload: {label}")
            elapsed, headers = upload(url, secret, source, sha256, checksum=checksum)
            assert headers.get("quancheng-sha256") == sha256, headers
            log(f"  {elapsed:.2f} s")
            results[label] = min(elapsed, results.get(label, elapsed))
            runs.setdefault(label, []).append(elapsed)
        workers = children(server.pid)
        worker_peaks = {pid: vm_hwm_kib(pid) for pid in workers}
        master_peak = vm_hwm_kib(server.pid)

        started = time.perf_counter()
        with open(source, "rb") as stream:
            digest = hashlib.sha256()
            while block := stream.read(MIB):
                digest.update(block)
        rehash = time.perf_counter() - started

        mib = size / MIB
        print()
        print(f"file: {args.size_mib} MiB random, chunks of {CHUNK_MIB} MiB, {args.workers} gunicorn workers, SQLite")
        print(f"disk: {work}")
        print(
            f"baseline cp + sha256sum: {base_total:6.2f} s  {mib / base_total:7.1f} MiB/s"
            f"  (cp {base_cp:.2f} s, sha256sum {base_sha:.2f} s)"
        )
        for label, elapsed in results.items():
            print(
                f"{label:40s} {elapsed:6.2f} s  {mib / elapsed:7.1f} MiB/s"
                f"  = {base_total / elapsed * 100:5.1f}% of baseline (target >= 50%;"
                f" best of runs {', '.join(f'{run:.2f} s' for run in runs[label])})"
            )
        peak = max([master_peak, *worker_peaks.values()])
        print(
            f"server peak RSS (VmHWM): master {master_peak / 1024:.1f} MiB, workers "
            + ", ".join(f"{kib / 1024:.1f} MiB" for kib in worker_peaks.values())
            + f"  -> max {peak / 1024:.1f} MiB (target < 150 MB per process)"
        )
        print(
            f"resume after a restart re-hashes the staged prefix: {rehash:.2f} s for {mib:.0f} MiB"
            f" ({mib / rehash:.0f} MiB/s)"
        )
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
