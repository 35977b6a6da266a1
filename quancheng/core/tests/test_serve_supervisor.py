"""``quancheng serve`` runs gunicorn and the checkpointer as children: it passes SIGINT/SIGTERM on to both, stops
the checkpointer when gunicorn exits, exits with gunicorn's status, and restarts a checkpointer that died.

Real child processes (small Python scripts) stand in for gunicorn and the checkpointer."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from quancheng.core.management.commands import serve
from quancheng.core.management.commands.serve import Supervisor, checkpointer_argv, exit_status


def _python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def _sleeper(seconds: float, marker: Path | None = None) -> list[str]:
    """A child that notes its start in ``marker`` (one line per start) and sleeps."""
    note = f"open({str(marker)!r}, 'a').write('started\\n');" if marker else ""
    return _python(f"import time;{note} time.sleep({seconds})")


class Recorder:
    def __init__(self) -> None:
        self.children: list[subprocess.Popen] = []

    def __call__(self, argv: list[str]) -> subprocess.Popen:
        child = subprocess.Popen(argv)
        self.children.append(child)
        return child


def test_exit_status_follows_the_shell_convention() -> None:
    assert [exit_status(code) for code in (0, 3, -signal.SIGTERM, -signal.SIGINT)] == [0, 3, 143, 130]


def test_checkpointer_is_the_checkpoint_loop_of_the_console_script() -> None:
    assert checkpointer_argv()[1:] == ["-m", "quancheng.cli", "checkpoint", "--loop"]


def test_serve_exits_with_gunicorns_status_and_stops_the_checkpointer() -> None:
    # given: a server that exits by itself with status 3, and a checkpointer that would run for a minute
    spawn = Recorder()
    supervisor = Supervisor(_python("import time, sys; time.sleep(0.3); sys.exit(3)"), _sleeper(60), spawn=spawn)
    # when
    started = time.monotonic()
    status = supervisor.run()
    # then
    assert status == 3
    _server, checkpointer = spawn.children
    assert checkpointer.poll() == -signal.SIGTERM  # stopped, not left behind
    assert time.monotonic() - started < 30


def _signal_recorder(record: Path) -> list[str]:
    """A child that writes down the first stop signal it receives, then exits."""
    return _python(
        "import signal, sys, time\n"
        "def stop(signum, frame):\n"
        f"    open({str(record)!r}, 'w').write(str(signum)); sys.exit(0)\n"
        "signal.signal(signal.SIGINT, stop); signal.signal(signal.SIGTERM, stop)\n"
        "time.sleep(60)\n"
    )


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_stop_signals_are_passed_on_to_both_children(signum: int, tmp_path: Path) -> None:
    # given: both children would run for a minute
    spawn = Recorder()
    supervisor = Supervisor(_sleeper(60), _signal_recorder(tmp_path / "got"), spawn=spawn)
    previous = signal.getsignal(signum)
    # when: serve itself receives the signal while it supervises
    timer = threading.Timer(1.0, os.kill, (os.getpid(), signum))
    timer.start()
    try:
        status = supervisor.run()
    finally:
        timer.cancel()
    # then: the server died of it (a Python child re-raises an unhandled SIGINT as it exits), serve reports that,
    # and the checkpointer received the same signal
    server, _checkpointer = spawn.children
    assert server.returncode == -signum
    assert status == 128 + signum
    assert (tmp_path / "got").read_text() == str(int(signum))
    assert signal.getsignal(signum) == previous  # serve's handler is gone again


def test_a_checkpointer_that_died_is_restarted(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # given: a checkpointer that dies at once, restarted no sooner than 0.2 s after its last start
    monkeypatch.setattr(serve, "CHECKPOINTER_RESTART_DELAY", 0.2)
    monkeypatch.setattr(serve, "POLL_INTERVAL", 0.05)
    marker = tmp_path / "starts"
    logged: list[str] = []
    supervisor = Supervisor(_sleeper(1.5), _sleeper(0, marker), spawn=Recorder(), log=logged.append)
    # when
    assert supervisor.run() == 0
    # then
    starts = marker.read_text().count("started")
    assert 2 <= starts <= 10
    assert logged and "restarting it" in logged[0]


def test_no_checkpointer_when_told_not_to_run_one() -> None:
    spawn = Recorder()
    assert Supervisor(_python("pass"), None, spawn=spawn).run() == 0
    assert len(spawn.children) == 1
