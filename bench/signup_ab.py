"""Two versions of the web app under the same sign-up surge, side by side: is a change to the sign-up path faster?

    .venv/bin/python bench/signup_ab.py [--a CHECKOUT] [--b CHECKOUT] [--duration 32] [--rounds 8]

`bench/signup_surge.py` compares the app with a baseline of another kind (the transaction straight through
asyncpg), and on this shared machine that ratio swings by a tenth from one run to the next: the two sides
lean on different parts of the machine (the app on Python, the baseline on PostgreSQL), and the machine's
slow and fast hours weigh on them unequally. A change worth a few per cent cannot be seen there. Here both
sides are the app: two uvicorn servers run at once on one database (`--a` and `--b`, checkouts of this
repository; a worktree of the commit before a change, say, against this one), and the same load
generator takes turns on them, A B B A A B ..., each turn a fresh set of load processes. Two servers of the
same code came out at 1.002 and 1.012 (this checkout twice, the default) and at 1.048 (two checkouts of one
commit), over 8 turns of 4 s each: one run tells a difference of about 5%; for less, run it several times
with the sides swapped.

The database is migrated by this checkout's migrations: both versions must run on that schema. Each server
serves the `mobilize` package of its checkout (its working directory), with the bench's settings
(signup_surge.start_server). Prints each side's sign-ups per second, p50 and p99, errors, and B / A.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import subprocess
from pathlib import Path

import signup_surge as surge

LOADERS = 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--a", type=Path, default=surge.ROOT, help="checkout serving side A (default: this one)")
    parser.add_argument("--b", type=Path, default=surge.ROOT, help="checkout serving side B (default: this one)")
    parser.add_argument("--duration", type=float, default=32.0, help="measured seconds each side, all turns")
    parser.add_argument("--rounds", type=int, default=8, help="turns each side takes")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds before measuring (each turn)")
    parser.add_argument("--clients", type=int, default=64, help="concurrent connections")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers of each server")
    parser.add_argument("--redis-url", default=surge.DEFAULT_REDIS, help="shared rate limiter (a db it may flush)")
    args = parser.parse_args()
    if args.rounds * 2 * LOADERS > 8 * len(surge.AREA_CODES):
        parser.error("--rounds: too many turns for distinct phone numbers")

    name = f"mobilize_bench_ab_{secrets.token_hex(3)}"
    url = surge.database_url(name)
    asyncio.run(surge.admin(f'CREATE DATABASE "{name}"'))
    servers: list[subprocess.Popen[bytes]] = []
    try:
        surge.migrate(url)
        _, shift_ids = asyncio.run(surge.seed(url, 100))
        surge.flush_redis(args.redis_url)
        ports = []
        for checkout in (args.a, args.b):
            port = surge.free_port()
            servers.append(surge.start_server(url, port, args.workers, args.redis_url, None, checkout.resolve()))
            surge.wait_healthy(port, args.workers, servers[-1])
            ports.append(port)
        print(
            f"signup A/B: {args.clients} clients from {LOADERS} load processes, A {args.a} and B {args.b}, "
            f"uvicorn x{args.workers} each; {args.duration:.0f} s measured each side in {args.rounds} turns",
            flush=True,
        )
        shares = surge.split(args.clients, LOADERS)

        def side(index: int):  # type: ignore[no-untyped-def]
            def run(turn: int, t0: float, t1: float) -> surge.Tally:
                slot = (turn * 2 + index) * LOADERS  # distinct people in every turn of every side
                return surge.run_processes(
                    surge.load_process,
                    [(ports[index], shift_ids, n, slot + i, t0, t1, False) for i, n in enumerate(shares)],
                )

            return run

        tallies = surge.interleaved(args.rounds, args.warmup, [(args.duration, side(0)), (args.duration, side(1))])
        print()
        rates = []
        for label, tally in zip(("A", "B"), tallies, strict=True):
            rates.append(surge.report(f"{label} ({args.a if label == 'A' else args.b})", tally, args.duration))
        print(f"\nB / A   {rates[1] / rates[0]:.3f}" if rates[0] else "\nB / A   nan")
    finally:
        for server in servers:
            surge.stop_server(server)
        surge.flush_redis(args.redis_url)
        asyncio.run(surge.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
