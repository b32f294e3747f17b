"""Two versions of the web app under the same sign-up surge, side by side: is a change to the sign-up path faster?

    .venv/bin/python bench/signup_ab.py [--a CHECKOUT] [--b CHECKOUT] [--duration 32] [--rounds 8]

`bench/signup_surge.py` compares the app with a baseline of another kind (the transaction straight through
asyncpg), and on this shared machine that ratio swings by a tenth from one run to the next: the two sides
lean on different parts of the machine (the app on Python, the baseline on PostgreSQL), and the machine's
slow and fast hours weigh on them unequally. A change worth a few per cent cannot be seen there. Here both
sides are the app: two uvicorn servers run at once on one database (`--a` and `--b`, checkouts of this
repository; a worktree of the commit before a change, say, against this one), and the same load
generator takes turns on them, A B B A A B ..., each turn a fresh set of load processes, and both servers
are started afresh every two turns (`--no-restart` keeps them). How far to trust it, from A/A runs (the same
code on both sides, 8 turns of 4 s): this checkout twice gave 1.002, 1.012 and 1.031, so two variants served
from one checkout (`--a-http` and `--b-http`: uvicorn's HTTP protocol of each side) differ by more than about
3% when it says so; two checkouts of one commit gave 1.048 and then 1.182 (the second side ahead in all
eight turns, for no reason found: the same syscalls per request in both), so between two checkouts one run
proves nothing under about 20%, and several with the sides swapped are needed.

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
    parser.add_argument("--a-http", default="httptools", help="uvicorn's --http for side A (a module:Class too)")
    parser.add_argument("--b-http", default="httptools", help="uvicorn's --http for side B")
    parser.add_argument(
        "--restart", action=argparse.BooleanOptionalAction, default=True, help="fresh servers every two turns"
    )
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
        ports: list[int] = []

        def start_both() -> None:
            """Fresh servers for both sides (every A B B A block: a server's own luck, the spread of its
            connections over its workers, say, lasts one block only)."""
            for server in servers:
                surge.stop_server(server)
            servers.clear()
            ports.clear()
            for checkout, http in ((args.a, args.a_http), (args.b, args.b_http)):
                port = surge.free_port()
                servers.append(
                    surge.start_server(url, port, args.workers, args.redis_url, None, checkout.resolve(), http)
                )
                surge.wait_healthy(port, args.workers, servers[-1])
                ports.append(port)

        print(
            f"signup A/B: {args.clients} clients from {LOADERS} load processes, A {args.a} and B {args.b}, "
            f"uvicorn x{args.workers} each; {args.duration:.0f} s measured each side in {args.rounds} turns, "
            f"{'fresh servers every two turns' if args.restart else 'the same servers throughout'}",
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

        def before_turn(turn: int) -> None:
            if turn == 0 or (args.restart and turn % 2 == 0):
                start_both()

        sides = [(args.duration, side(0)), (args.duration, side(1))]
        tallies = surge.interleaved(args.rounds, args.warmup, sides, before_turn)
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
