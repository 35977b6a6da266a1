"""``quancheng serve``: collect static files and run the production server (gunicorn + whitenoise) together with
the checkpointer (``quancheng checkpoint --loop``), which signs the ledger every ``QUANCHENG_CHECKPOINT_INTERVAL``
seconds when it has grown.

Both run as child processes of this one: SIGINT and SIGTERM are passed on to both (SIGHUP to gunicorn, which
reloads its workers), and when gunicorn exits the checkpointer is stopped and serve exits with gunicorn's status.
A checkpointer that dies while gunicorn runs is restarted after a pause.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from quancheng.ledger.checkpoints import SigningKeyError, key_file, verifier_key

FORWARDED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
# How often the supervisor looks at its children (seconds).
POLL_INTERVAL = 0.5
# A checkpointer that died is restarted no sooner than this after its last start (seconds), so a crash loop
# does not spin.
CHECKPOINTER_RESTART_DELAY = 10.0
# How long the checkpointer may take to finish its round once asked to stop (seconds).
CHECKPOINTER_STOP_TIMEOUT = 15.0


def gunicorn_argv(bind: str, workers: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "quancheng.wsgi:application",
        "--bind",
        bind,
        "--workers",
        str(workers),
        "--access-logfile",
        "-",
        "--timeout",
        "300",  # large evidence uploads stream for minutes on weak networks
    ]


def checkpointer_argv() -> list[str]:
    # The child inherits DJANGO_SETTINGS_MODULE (set by the console script or by --settings) with the environment.
    return [sys.executable, "-m", "quancheng.cli", "checkpoint", "--loop"]


def exit_status(returncode: int) -> int:
    """A child's status as a shell reports it: 128 + N when signal N killed it."""
    return 128 - returncode if returncode < 0 else returncode


class Supervisor:
    """Runs gunicorn and the checkpointer; returns gunicorn's exit status once it has stopped."""

    def __init__(
        self,
        server: list[str],
        checkpointer: list[str] | None,
        *,
        spawn: Callable[[list[str]], subprocess.Popen] = subprocess.Popen,
        log: Callable[[str], None] = lambda message: None,
    ) -> None:
        self.server_argv = server
        self.checkpointer_argv = checkpointer
        self.spawn = spawn
        self.log = log
        self.server: subprocess.Popen | None = None
        self.checkpointer: subprocess.Popen | None = None
        self.checkpointer_started = 0.0
        self.stopping = False

    def _forward(self, signum: int, frame: FrameType | None) -> None:
        if signum != signal.SIGHUP:
            self.stopping = True
        children = [self.server] if signum == signal.SIGHUP else [self.server, self.checkpointer]
        for child in children:
            if child is not None and child.poll() is None:
                child.send_signal(signum)

    def _start_checkpointer(self) -> None:
        if self.checkpointer_argv is None:
            return
        self.checkpointer = self.spawn(self.checkpointer_argv)
        self.checkpointer_started = time.monotonic()

    def _watch_checkpointer(self) -> None:
        if self.checkpointer is None or self.stopping or self.checkpointer.poll() is None:
            return
        if time.monotonic() - self.checkpointer_started < CHECKPOINTER_RESTART_DELAY:
            return
        self.log(
            f"检查点进程已退出(状态 {exit_status(self.checkpointer.returncode)}),正在重新启动 / "
            f"the checkpointer exited (status {exit_status(self.checkpointer.returncode)}); restarting it"
        )
        self._start_checkpointer()

    def _stop_checkpointer(self) -> None:
        child = self.checkpointer
        if child is None or child.poll() is not None:
            return
        child.terminate()
        try:
            child.wait(timeout=CHECKPOINTER_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()

    def run(self) -> int:
        previous = {signum: signal.signal(signum, self._forward) for signum in FORWARDED_SIGNALS}
        try:
            self.server = self.spawn(self.server_argv)
            self._start_checkpointer()
            while True:
                try:
                    returncode = self.server.wait(timeout=POLL_INTERVAL)
                except subprocess.TimeoutExpired:
                    self._watch_checkpointer()
                    continue
                break
        finally:
            self.stopping = True
            if self.server is not None and self.server.poll() is None:  # an exception here, not a normal exit
                self.server.terminate()
                self.server.wait()
            self._stop_checkpointer()
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        return exit_status(returncode)


class Command(BaseCommand):
    help = "启动生产级 Web 服务(gunicorn;静态文件由 whitenoise 提供),并定期为账本生成签名检查点"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("QUANCHENG_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("QUANCHENG_PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("QUANCHENG_WORKERS", "2")))
        parser.add_argument("--no-migrate", action="store_true", help="启动前不执行数据库迁移")
        parser.add_argument(
            "--no-checkpointer", action="store_true", help="不启动定期签名检查点进程(另有进程运行 checkpoint --loop 时)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        try:
            # At first start this creates the signing key; a key file with the wrong permissions stops us here.
            key = verifier_key()
        except SigningKeyError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        bind = f"{options['host']}:{options['port']}"
        self.stdout.write(f"全程已启动:http://{bind}/  (后台 http://{bind}/admin/ ,API http://{bind}/api/v1/docs)")
        self.stdout.write(f"签名检查点 checkpoint: http://{bind}/log/checkpoint ,公钥 verifier key: {key}")
        if not options["no_checkpointer"]:
            self.stdout.write(
                f"每 {settings.QUANCHENG_CHECKPOINT_INTERVAL} 秒在账本增长时签名(私钥 {key_file()})"
                f" / signing every {settings.QUANCHENG_CHECKPOINT_INTERVAL} s when the ledger grew"
            )
        self.stdout.flush()
        supervisor = Supervisor(
            gunicorn_argv(bind, options["workers"]),
            None if options["no_checkpointer"] else checkpointer_argv(),
            log=self._log,
        )
        status = supervisor.run()
        if status:
            sys.exit(status)

    def _log(self, message: str) -> None:
        self.stderr.write(message)
        self.stderr.flush()
