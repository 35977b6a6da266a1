"""Ledger benchmark (issue 4): appends, proofs and verify on SQLite and PostgreSQL, against pymerkle 7 as the peer.

    .venv/bin/python bench/ledger.py                    # 1,000,000 entries, both databases, pymerkle peer
    .venv/bin/python bench/ledger.py --size 100000      # a quicker run
    .venv/bin/python bench/ledger.py --backends sqlite --no-peer

Not part of the test run. Each database is created by the bench and removed afterwards: a temporary SQLite file,
and a ``qc_bench`` PostgreSQL database (dropped first if a previous run left it). Each backend runs in a child
process of its own (Django settings are per process); the peer runs in this process, without Django.

What is measured, the same way for us and for the peer:
- appends/s with one entry per transaction (N single appends, each committed), and with 1,000 per transaction;
- building the --size log with 1,000-entry transactions (ledger_append_many / SqliteTree.append_entries);
- inclusion and consistency proof latency at --size (random leaves / old sizes, each proof timed alone,
  p50/p99; ours is ``tree.prove_inclusion`` / ``tree.prove_consistency``, what the API calls);
- full ``verify`` throughput against plain hashlib recomputing the same tree from the same stored entries.
Entries are what the services write: RFC 8785 canonical JSON of {action, actor, subject, at, digests}. The peer
appends the same bytes, and its timed loop includes making them the way ours does (``pymerkle+json``), as an
application using it would; ``pymerkle raw`` is given the bytes ready-made.

Needs pymerkle 7 for the peer: ``.venv/bin/pip install pymerkle==7.0.0`` (the ``bench`` extra).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BATCH = 1000  # entries per transaction in the batch mode and the build
PG_ADMIN_URL = os.environ.get("QUANCHENG_BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_BENCH_DB = "qc_bench"
SEED = 20260301


STARTED = time.monotonic()


def log(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:7.1f}s] {message}", file=sys.stderr, flush=True)


def item(number: int) -> dict[str, Any]:
    """One entry as a service writes it (system actor, a row digest of a subject no model owns)."""
    return {
        "action": "record.sealed",
        "actor": None,
        "subject": f"bench:{number}",
        "digests": {"row": hashlib.sha256(number.to_bytes(8, "big")).hexdigest()},
    }


def percentiles(samples_ns: list[int]) -> dict[str, float]:
    ordered = sorted(samples_ns)
    cuts = statistics.quantiles(ordered, n=100, method="inclusive")
    return {
        "p50_ms": cuts[49] / 1e6,
        "p99_ms": cuts[98] / 1e6,
        "max_ms": ordered[-1] / 1e6,
        "first_ms": samples_ns[0] / 1e6,
        "n": len(ordered),
    }


def proof_queries(size: int, count: int) -> tuple[list[int], list[int]]:
    rng = random.Random(SEED)
    return [rng.randrange(size) for _ in range(count)], [rng.randint(1, size) for _ in range(count)]


# --- our ledger, in a child process per database -------------------------------------------------------------


def worker(args: argparse.Namespace) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from quancheng.ledger import merkle, tree
    from quancheng.ledger.models import LedgerEntry, LedgerHead, LedgerNode
    from quancheng.ledger.services import ledger_append, ledger_append_many
    from quancheng.ledger.verify import verify, verify_tree

    out: dict[str, Any] = {"vendor": connection.vendor}
    call_command("migrate", verbosity=0)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            out["sqlite"] = {
                "journal_mode": cursor.execute("PRAGMA journal_mode").fetchone()[0],
                "synchronous": cursor.execute("PRAGMA synchronous").fetchone()[0],
            }
    else:
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            out["postgresql"] = {"synchronous_commit": cursor.fetchone()[0]}
    number = 0

    # one entry per transaction
    started = time.perf_counter()
    for _ in range(args.single):
        with transaction.atomic():
            ledger_append(**item(number))
        number += 1
    out["single_per_s"] = args.single / (time.perf_counter() - started)
    log(f"{connection.vendor}: {out['single_per_s']:,.0f} single appends/s")

    # 1,000 per transaction
    started = time.perf_counter()
    for _ in range(args.batches):
        with transaction.atomic():
            ledger_append_many([item(number + i) for i in range(BATCH)])
        number += BATCH
    out["batch_per_s"] = args.batches * BATCH / (time.perf_counter() - started)
    log(f"{connection.vendor}: {out['batch_per_s']:,.0f} batched appends/s")

    # the big log
    if number > args.size:
        raise SystemExit(f"--size {args.size} is smaller than the {number} entries the append runs wrote")
    started = time.perf_counter()
    while number < args.size:
        count = min(BATCH, args.size - number)
        with transaction.atomic():
            ledger_append_many([item(number + i) for i in range(count)])
        number += count
        if number % 100_000 == 0:
            log(f"{connection.vendor}: built {number:,} entries ({time.perf_counter() - started:,.0f} s)")
    out["build_s"] = time.perf_counter() - started
    out["size"] = LedgerHead.objects.get(pk=1).size
    assert out["size"] == args.size
    # What an operator does after a bulk load, so that autovacuum and checkpoints triggered by the load do not
    # land in the middle of the latency samples on a 2-core machine.
    started = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for model in (LedgerEntry, LedgerNode):
                cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
            cursor.execute("CHECKPOINT")
        else:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cursor.execute("ANALYZE")
    out["maintenance_s"] = time.perf_counter() - started

    # proofs at full size, each timed alone
    size = args.size
    leaves, olds = proof_queries(size, args.proofs)
    root = tree.root_at(size)
    assert root == bytes(LedgerHead.objects.get(pk=1).root)
    samples = []
    for index in leaves:
        begin = time.perf_counter_ns()
        proof = tree.prove_inclusion(index, size)
        samples.append(time.perf_counter_ns() - begin)
        assert proof.root == root
    out["inclusion"] = percentiles(samples)
    assert all(tree.prove_inclusion(index, size).verify() for index in leaves[:200])
    samples = []
    for old in olds:
        begin = time.perf_counter_ns()
        proof = tree.prove_consistency(old, size)
        samples.append(time.perf_counter_ns() - begin)
    out["consistency"] = percentiles(samples)
    assert all(tree.prove_consistency(old, size).verify() for old in olds[:200])
    log(f"{connection.vendor}: proofs {out['inclusion']} / {out['consistency']}")

    # plain hashlib recomputing the same tree from the same stored entry bytes (the same streaming read verify uses)
    started = time.perf_counter()
    sha256 = hashlib.sha256
    frontier: list[tuple[int, bytes]] = []
    with transaction.atomic():
        for entry in LedgerEntry.objects.order_by("index").values_list("entry", flat=True).iterator(chunk_size=2000):
            height, value = 0, sha256(b"\x00" + bytes(entry)).digest()
            while frontier and frontier[-1][0] == height:
                value = sha256(b"\x01" + frontier.pop()[1] + value).digest()
                height += 1
            frontier.append((height, value))
    baseline_root = merkle.frontier_root(frontier)
    out["hashlib_s"] = time.perf_counter() - started
    assert baseline_root == root
    log(f"{connection.vendor}: plain hashlib {out['hashlib_s']:.1f} s")

    # the same, with the entries already in memory: the hashing alone
    started = time.perf_counter()
    entries = [bytes(e) for e in LedgerEntry.objects.order_by("index").values_list("entry", flat=True).iterator()]
    loaded = time.perf_counter()
    frontier = []
    for entry in entries:
        height, value = 0, sha256(b"\x00" + entry).digest()
        while frontier and frontier[-1][0] == height:
            value = sha256(b"\x01" + frontier.pop()[1] + value).digest()
            height += 1
        frontier.append((height, value))
    out["hashlib_memory_s"] = time.perf_counter() - loaded
    assert merkle.frontier_root(frontier) == root

    # ... and with the root at every size, which is what verify compares each entry's tree_root with
    started = time.perf_counter()
    frontier = []
    for entry in entries:
        height, value = 0, sha256(b"\x00" + entry).digest()
        while frontier and frontier[-1][0] == height:
            value = sha256(b"\x01" + frontier.pop()[1] + value).digest()
            height += 1
        frontier.append((height, value))
        for _height, left in reversed(frontier[:-1]):
            value = sha256(b"\x01" + left + value).digest()
    out["hashlib_every_root_memory_s"] = time.perf_counter() - started
    assert value == root
    del entries

    report = verify_tree()
    out["verify_tree_s"] = report.elapsed
    assert report.ok, report.problems[:5]
    report = verify()
    out["verify_s"] = report.elapsed
    out["verify_ok"] = report.ok
    out["verify_problems"] = [str(p) for p in report.problems[:5]]
    log(f"{connection.vendor}: verify {out['verify_s']:.1f} s (entries only {out['verify_tree_s']:.1f} s)")
    if args.profile_verify:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        verify_tree()
        profiler.disable()
        stats = pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime")
        stats.print_stats(15)
    return out


def run_backend(backend: str, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="quancheng.settings.prod",
        QUANCHENG_SECRET_KEY="bench-only-not-a-secret",
        QUANCHENG_DATA_DIR=str(workdir / backend),
        QUANCHENG_DEBUG="false",
    )
    if backend == "sqlite":
        env["QUANCHENG_DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    else:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {PG_BENCH_DB}")
            admin.execute(f"CREATE DATABASE {PG_BENCH_DB}")
        base = PG_ADMIN_URL.rsplit("/", 1)[0]
        env["QUANCHENG_DATABASE_URL"] = f"{base}/{PG_BENCH_DB}"
    result_file = workdir / f"{backend}.json"
    command = [sys.executable, __file__, "--worker", "--out", str(result_file), *sys.argv[1:]]
    try:
        subprocess.run(command, env=env, check=True)
        return json.loads(result_file.read_text())
    finally:
        if backend == "postgres":
            import psycopg

            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {PG_BENCH_DB}")


# --- the peer: pymerkle 7 SqliteTree ------------------------------------------------------------------------


def run_peer(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    import pymerkle
    import rfc8785
    from pymerkle import SqliteTree

    def entry(number: int) -> bytes:
        # The bytes our services write for the same item (the time is fixed: it only changes the bytes), made the
        # way ours are: for these flat entries sorted compact json.dumps is byte-identical to RFC 8785
        # (services.canonical_json, checked below against the rfc8785 package).
        fields = {**item(number), "actor": "system", "at": "2026-03-01T01:02:03.456789Z"}
        return json.dumps(fields, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()

    sample = {**item(7), "actor": "system", "at": "2026-03-01T01:02:03.456789Z"}
    assert entry(7) == rfc8785.dumps(sample)

    out: dict[str, Any] = {"version": getattr(pymerkle, "__version__", "7")}
    results: dict[str, Any] = {}
    for mode in ("pymerkle+json", "pymerkle raw"):
        path = workdir / f"pymerkle-{mode.split()[0].replace('+', '-')}-{len(results)}.db"
        tree = SqliteTree(str(path))
        number = 0
        ready = [entry(n) for n in range(args.single + args.batches * BATCH)] if mode == "pymerkle raw" else None
        started = time.perf_counter()
        for _ in range(args.single):
            tree.append_entry(ready[number] if ready else entry(number))
            number += 1
        single = args.single / (time.perf_counter() - started)
        started = time.perf_counter()
        for _ in range(args.batches):
            chunk = ready[number : number + BATCH] if ready else [entry(number + i) for i in range(BATCH)]
            tree.append_entries(chunk)
            number += BATCH
        batch = args.batches * BATCH / (time.perf_counter() - started)
        results[mode] = {"single_per_s": single, "batch_per_s": batch}
        log(f"{mode}: {single:,.0f} single appends/s, {batch:,.0f} batched appends/s")
        tree.close()
    out["modes"] = results

    # the big tree, built as ours is (1,000 per transaction, entries made in the loop), then proofs
    path = workdir / "pymerkle-big.db"
    tree = SqliteTree(str(path))
    started = time.perf_counter()
    number = 0
    while number < args.size:
        count = min(BATCH, args.size - number)
        tree.append_entries([entry(number + i) for i in range(count)])
        number += count
        if number % 100_000 == 0:
            log(f"pymerkle: built {number:,} entries ({time.perf_counter() - started:,.0f} s)")
    out["build_s"] = time.perf_counter() - started
    size = args.size
    leaves, olds = proof_queries(size, args.proofs)
    samples = []
    for index in leaves:
        begin = time.perf_counter_ns()
        tree.prove_inclusion(index + 1, size)  # pymerkle numbers leaves from 1
        samples.append(time.perf_counter_ns() - begin)
    out["inclusion"] = percentiles(samples)
    samples = []
    for old in olds:
        begin = time.perf_counter_ns()
        tree.prove_consistency(old, size)
        samples.append(time.perf_counter_ns() - begin)
    out["consistency"] = percentiles(samples)
    log(f"pymerkle: proofs {out['inclusion']} / {out['consistency']}")
    tree.close()
    return out


# --- report -------------------------------------------------------------------------------------------------


def report(results: dict[str, Any], args: argparse.Namespace) -> None:
    peer = results.get("pymerkle")
    print()
    print(f"Ledger benchmark — {args.size:,} entries; {args.single:,} single appends; {args.batches} x {BATCH:,}")
    print(f"batched appends; {args.proofs:,} proofs of each kind; machine: {os.cpu_count()} cores")
    print()
    print(f"{'':26}{'appends/s 1/txn':>18}{'appends/s 1000/txn':>20}{'build (s)':>12}")
    for name in ("sqlite", "postgres"):
        if name in results:
            r = results[name]
            label = "quancheng " + name
            print(f"{label:26}{r['single_per_s']:>18,.0f}{r['batch_per_s']:>20,.0f}{r['build_s']:>12,.1f}")
    if peer:
        for mode, r in peer["modes"].items():
            build = f"{peer['build_s']:,.1f}" if mode == "pymerkle+json" else ""
            print(f"{mode + ' (SqliteTree)':26}{r['single_per_s']:>18,.0f}{r['batch_per_s']:>20,.0f}{build:>12}")
    print()
    print(f"{'proof latency (ms)':26}{'incl p50':>10}{'incl p99':>10}{'incl max':>10}{'cons p50':>10}{'cons p99':>10}")
    rows = [(f"quancheng {n}", results[n]) for n in ("sqlite", "postgres") if n in results]
    if peer:
        rows.append(("pymerkle SqliteTree", peer))
    for name, r in rows:
        inc, con = r["inclusion"], r["consistency"]
        print(
            f"{name:26}{inc['p50_ms']:>10.3f}{inc['p99_ms']:>10.3f}{inc['max_ms']:>10.3f}"
            f"{con['p50_ms']:>10.3f}{con['p99_ms']:>10.3f}"
        )
    if peer:
        print(f"  (pymerkle's first inclusion proof, cold cache: {peer['inclusion']['first_ms']:,.1f} ms)")
    print()
    print(f"{'verify':26}{'verify (s)':>12}{'entries/s':>12}{'hashlib (s)':>13}{'ratio':>8}{'tree only':>11}")
    for name in ("sqlite", "postgres"):
        if name not in results:
            continue
        r = results[name]
        ratio = r["hashlib_s"] / r["verify_s"]
        print(
            f"{'quancheng ' + name:26}{r['verify_s']:>12,.1f}{r['size'] / r['verify_s']:>12,.0f}"
            f"{r['hashlib_s']:>13,.1f}{ratio:>8.0%}{r['verify_tree_s']:>11,.1f}"
        )
        print(
            f"  plain hashlib over entries already in memory: {r['hashlib_memory_s']:.1f} s, computing the root at "
            f"every size as well: {r['hashlib_every_root_memory_s']:.1f} s; verify ok: {r['verify_ok']}"
        )
    print()
    print(json.dumps(results, indent=1, default=str))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=1_000_000, help="entries in the log for proofs and verify")
    parser.add_argument("--single", type=int, default=2000, help="appends timed one per transaction")
    parser.add_argument("--batches", type=int, default=20, help="transactions of 1,000 appends timed")
    parser.add_argument("--proofs", type=int, default=2000, help="proofs of each kind timed")
    parser.add_argument("--backends", default="sqlite,postgres", help="comma-separated: sqlite, postgres")
    parser.add_argument("--no-peer", dest="peer", action="store_false", help="skip pymerkle")
    parser.add_argument("--profile-verify", action="store_true", help="print a profile of verify's entries phase")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        Path(args.out).write_text(json.dumps(worker(args)))
        return
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="qc-bench-") as tmp:
        workdir = Path(tmp)
        for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
            if backend not in {"sqlite", "postgres"}:
                parser.error(f"unknown backend {backend!r}")
            log(f"{backend}: starting")
            results[backend] = run_backend(backend, args, workdir)
        if args.peer:
            log("pymerkle: starting")
            results["pymerkle"] = run_peer(args, workdir)
    report(results, args)


if __name__ == "__main__":
    main()
