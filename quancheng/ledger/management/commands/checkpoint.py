"""``quancheng checkpoint``: sign the ledger's current (size, root) now, if it grew since the latest checkpoint.

``--force`` signs even when it did not grow; ``--loop`` keeps doing so every ``--interval`` seconds (default
``QUANCHENG_CHECKPOINT_INTERVAL``) until SIGINT or SIGTERM: it is the checkpointer ``quancheng serve`` runs.
"""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from quancheng.ledger.checkpoints import (
    CheckpointError,
    SigningKeyError,
    latest_checkpoint,
    make_checkpoint,
    run_checkpointer,
)

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Command(BaseCommand):
    help = "为账本当前的树大小与树根生成签名检查点(C2SP tlog-checkpoint);--loop 定期生成,直到被中断。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="即使账本自上个检查点以来没有增长也生成")
        parser.add_argument("--loop", action="store_true", help="定期生成(账本增长时),直到收到 SIGINT/SIGTERM")
        parser.add_argument(
            "--interval", type=float, default=None, help="--loop 的间隔秒数(默认 QUANCHENG_CHECKPOINT_INTERVAL)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["loop"]:
                self._loop(options["interval"] or settings.QUANCHENG_CHECKPOINT_INTERVAL)
                return
            checkpoint = make_checkpoint(force=options["force"])
        except SigningKeyError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        except CheckpointError as exc:
            raise CommandError(str(exc), returncode=1) from exc
        if checkpoint is None:
            latest = latest_checkpoint()
            size = latest.size if latest is not None else 0
            self.stdout.write(
                f"账本自上个检查点(大小 {size})以来没有增长,未生成新检查点 / the log has not grown since the "
                f"latest checkpoint (size {size}); none made"
            )
            return
        self.stdout.write(checkpoint.note, ending="")

    def _loop(self, interval: float) -> None:
        if interval <= 0:
            raise CommandError("--interval 必须大于 0 / --interval must be positive")
        stop = threading.Event()
        # Left installed on the way out: under ``quancheng serve`` a Ctrl-C reaches this process twice (from the
        # terminal and forwarded by serve), and the second one must not interrupt the interpreter's shutdown.
        for signum in STOP_SIGNALS:
            signal.signal(signum, lambda signum, frame: stop.set())
        run_checkpointer(interval, stop)
