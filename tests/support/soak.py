#!/usr/bin/env python3
"""`make soak N=5000`: many more random fault schedules than CI runs (executions: alone or racing on
shared inventory, with handler and AWS-level faults, sometimes with a rival execution), through the
local engine, in parallel jobs. Prints the counts per fault kind and per outcome, then the violations,
ending with "<n> violations". Exit status 1 if there are any."""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ProcessPoolExecutor

from rich.console import Console
from rich.table import Table

from sagatools.emulator.engine import LocalEngine
from tests.support.schedules import Tally, run_batches

CHUNK = 250  # executions per engine: moto copies every table on each transaction, so keep tables small


def run_shard(shard: int, count: int) -> Tally:
    tally = Tally()
    chunk = 0
    while tally.runs < count:
        with LocalEngine(prefix=f"soak-{shard}-{chunk}", inventory_items={}) as engine:
            run_batches(engine, min(CHUNK, count - tally.runs), shard, tally, stop_at_violation=False)
        chunk += 1
    return tally


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=5000, help="schedules in all")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    sizes = [args.n // args.jobs + (1 if shard < args.n % args.jobs else 0) for shard in range(args.jobs)]
    with ProcessPoolExecutor(args.jobs) as pool:
        tallies = list(pool.map(run_shard, range(10, 10 + args.jobs), sizes))
    total = Tally()
    for tally in tallies:
        total.merge(tally)
    console = Console()
    for title, counts in (("faults injected, by kind", total.by_fault), ("executions, by outcome", total.by_outcome)):
        table = Table("", "count", title=title)
        for key, count in sorted(counts.items()):
            table.add_row(key, str(count))
        console.print(table)
    for violation in total.violations[:50]:
        console.print(violation, style="red", markup=False)
    seconds = time.perf_counter() - started
    print(
        f"{total.runs} schedules in {seconds:.0f}s: {total.concurrent} racing on shared inventory, {total.contested} with a rival execution"
    )
    print(f"{len(total.violations)} violations")
    return 1 if total.violations else 0


if __name__ == "__main__":
    sys.exit(main())
