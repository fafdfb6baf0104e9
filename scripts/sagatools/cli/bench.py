#!/usr/bin/env python3
"""`make bench`: what the saga costs, measured on this machine, side by side in one run. Prints the
tables and writes them to docs/benchmarks.md. A benchmark, never a test: nothing here passes or fails.

    a. saga time per booking on the local engine, each path, against a floor: the same definition
       with handlers that do nothing (ratio; goal <= 1.3)
    b. DynamoDB requests per booking, each path, against the minimum the design allows
    c. cold-start proxy: importing each handler from its packaged zip in a fresh interpreter, against
       `import boto3` (ratio; goal <= 1.5)
    d. packaging: full build, no-op rebuild, artifact sizes
    e. estimated AWS cost per million bookings, each path, with the prices used
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

from sagatools.cli.package_lambdas import package
from sagatools.client import samples
from sagatools.contract import catalog
from sagatools.contract.paths import ROOT
from sagatools.contract.settings import DEPLOY_DEFAULTS
from sagatools.emulator.engine import LocalEngine

PATHS = {"happy path": {}, "flight fails": {"flight": "fail"}, "hotel fails": {"hotel": "fail"}, "payment fails": {"payment": "fail"}}
RUNS = int(os.environ.get("BENCH_RUNS", "25"))
IMPORT_RUNS = int(os.environ.get("BENCH_IMPORT_RUNS", "9"))
# List prices, us-east-1, x86_64 (check the pricing pages for your region and date).
PRICE = {
    "transition": 0.025 / 1000,  # Step Functions Standard, per state transition
    "lambda_request": 0.20 / 1_000_000,
    "lambda_gb_second": 0.0000166667,
    "wru": 0.625 / 1_000_000,  # DynamoDB on-demand write request unit
}


def table(headers: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def saga_times() -> tuple[dict[str, float], dict[str, float], dict[str, dict[str, Any]], tuple[float, float]]:
    """Median seconds per booking (real handlers, stub handlers), per-path usage of the real run, and
    the real handlers' mean time per invocation with the part of it spent in DynamoDB (moto)."""
    medians: dict[bool, dict[str, float]] = {}
    usage: dict[str, dict[str, Any]] = {}
    split = (0.0, 0.0)
    for stub in (False, True):
        with LocalEngine(prefix=f"bench-{'floor' if stub else 'real'}", stub_handlers=stub) as engine:
            engine.run(samples.booking_request("warm-up"))  # imports and first clients out of the way
            medians[stub] = {}
            for name, faults in PATHS.items():
                times = []
                for n in range(RUNS):
                    requests, durations = len(engine.dynamodb_requests), len(engine.durations)
                    invocations = len(engine.invocations)
                    started = time.perf_counter()
                    arn = engine.start(samples.booking_request(f"{name.replace(' ', '-')}-{n}", faults=faults or None))
                    engine.wait(arn)
                    times.append(time.perf_counter() - started)
                    if not stub and n == RUNS - 1:
                        history = engine.saga.history(arn)
                        usage[name] = {
                            "path": engine.saga.path(arn),
                            "transitions": sum(1 for e in history if e["type"].endswith("StateEntered"))
                            + sum(1 for e in history if e["type"] == "TaskScheduled")
                            - sum(1 for e in history if e["type"] == "TaskStateEntered"),
                            "requests": Counter(
                                f"{f.removeprefix('bench-real-')}:{op}" for f, op, _ in engine.dynamodb_requests[requests:]
                            ),
                            # a transactional write costs 2 WRU per item, any other write 1 (items under 1 KB)
                            "wru": sum(
                                2 * items if op == "TransactWriteItems" else 1 for _, op, items in engine.dynamodb_requests[requests:]
                            ),
                            "invocations": len(engine.invocations) - invocations,
                            "durations": engine.durations[durations:],
                        }
                medians[stub][name] = statistics.median(times)
            if not stub:
                split = (sum(engine.durations) / len(engine.durations), engine.dynamodb_seconds / len(engine.durations))
    return medians[False], medians[True], usage, split


def minimum_requests(path: list[str], faults: dict[str, str]) -> int:
    """One write per task that must write: every forward step that succeeds or gets as far as writing,
    and every compensation (it must at least leave a tombstone)."""
    forward = {function.state: function.fault_key for function in catalog.load().forward}
    compensations = {function.state for function in catalog.load().compensations}
    return sum(1 for state in path if (state in forward and faults.get(forward[state]) != "fail") or state in compensations)


def import_times(layer: Path, runtime: Path) -> dict[str, float]:
    """Median wall time of a fresh interpreter importing each handler module from its zip, and boto3."""
    environment = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "POWERTOOLS_TRACE_DISABLED": "false"}
    results = {}
    targets = {service: f"handlers.{service}" for service in catalog.load().tables} | {"boto3 alone": "boto3"}
    for name, module in targets.items():
        code = ROOT / "build" / "lambda" / f"{name}.zip"
        path = os.pathsep.join([str(code), str(layer), str(runtime)] if code.exists() else [str(layer), str(runtime)])
        samples_ = []
        for _ in range(IMPORT_RUNS):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-S", "-c", f"import {module}"], env={**environment, "PYTHONPATH": path}, check=True)
            samples_.append(time.perf_counter() - started)
        results[name] = statistics.median(samples_)
    return results


def main() -> int:
    measured = f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, {os.cpu_count()} cores"
    report = [f"# Benchmarks\n\nMeasured {measured}, Python {platform.python_version()}. Reproduce: `make bench` (BENCH_RUNS={RUNS}).\n"]

    # d. packaging first: the other measurements use the artifacts
    with tempfile.TemporaryDirectory() as scratch:
        started = time.perf_counter()
        built = package("lambda", force=True, out=Path(scratch))
        full = time.perf_counter() - started
        started = time.perf_counter()
        package("lambda", out=Path(scratch))
        noop = time.perf_counter() - started
        sizes = [[a.name, f"{a.path.stat().st_size / 1024:.1f} KiB", a.sha256[:16]] for a in built]
    package("local")

    real, floor, usage, (per_invocation, in_dynamodb) = saga_times()
    rows_a = [[name, f"{real[name] * 1000:.0f} ms", f"{floor[name] * 1000:.0f} ms", f"{real[name] / floor[name]:.2f}"] for name in PATHS]
    report += [
        "## a. Saga time per booking (local engine, median)\n",
        table(["path", "real handlers", "floor (handlers do nothing)", "ratio (goal ≤ 1.3)"], rows_a),
        f"\nA real handler invocation takes {per_invocation * 1000:.1f} ms on average, {in_dynamodb * 1000:.1f} ms of it in"
        " DynamoDB requests (moto).\n",
    ]

    rows_b = []
    for name, faults in PATHS.items():
        used = usage[name]
        total = sum(used["requests"].values())
        detail = ", ".join(f"{key} x{count}" for key, count in sorted(used["requests"].items()))
        rows_b.append([name, total, minimum_requests(used["path"], faults), detail])
    report += [
        "## b. DynamoDB requests per booking\n",
        table(["path", "requests", "minimum", "by function and operation"], rows_b),
        "\nThe minimum is one write per task that must write: each forward step that gets as far as"
        " writing, and each compensation (at least a tombstone). Reads: none — a conditional write"
        " returns the item it collided with. The one request above the minimum, on a flight or hotel"
        " failure, is that step's own compensation: it cannot know cheaply whether its reservation landed,"
        " so it tries the transaction that would give the inventory back, and writes the tombstone when"
        " there was nothing to cancel.\n",
    ]

    with tempfile.TemporaryDirectory() as scratch:
        with zipfile.ZipFile(ROOT / "build" / "local" / "dependencies-layer.zip") as layer_zip:
            layer_zip.extractall(scratch)
        runtime = ROOT / "build" / "local" / "runtime"
        with_bytecode = import_times(Path(scratch) / "python", runtime)
        for pyc in Path(scratch).rglob("*.pyc"):
            pyc.unlink()
        without_bytecode = import_times(Path(scratch) / "python", runtime)
    baseline = with_bytecode.pop("boto3 alone")
    without_bytecode.pop("boto3 alone")
    rows_c = [
        [
            service,
            f"{with_bytecode[service] * 1000:.0f} ms",
            f"{with_bytecode[service] / baseline:.2f}",
            f"{without_bytecode[service] * 1000:.0f} ms",
            f"{without_bytecode[service] / baseline:.2f}",
        ]
        for service in with_bytecode
    ]
    report += [
        f"## c. Cold-start proxy: import a handler from its zip in a fresh interpreter (median of {IMPORT_RUNS})\n",
        f"Baseline `import boto3` (what the runtime provides, with bytecode): {baseline * 1000:.0f} ms.\n",
        table(["handler", "layer with bytecode", "ratio (goal ≤ 1.5)", "layer without bytecode", "ratio"], rows_c),
        "",
    ]

    report += [
        "## d. Packaging\n",
        f"Full build (`make package`, forced): {full:.1f} s. No-op rebuild: {noop * 1000:.0f} ms.\n",
        table(["artifact", "size", "sha256"], sizes),
        "",
    ]

    rows_e = []
    memory_gb = DEPLOY_DEFAULTS["lambda_memory_mb"] / 1024
    for name in PATHS:
        used = usage[name]
        wru = used["wru"]
        gb_seconds = sum(max(d, 0.001) for d in used["durations"]) * memory_gb
        cost = {
            "transitions": used["transitions"] * PRICE["transition"],
            "lambda": used["invocations"] * PRICE["lambda_request"] + gb_seconds * PRICE["lambda_gb_second"],
            "dynamodb": wru * PRICE["wru"],
        }
        rows_e.append(
            [
                name,
                used["transitions"],
                used["invocations"],
                f"{gb_seconds:.4f}",
                wru,
                f"${cost['transitions'] * 1e6:,.2f}",
                f"${cost['lambda'] * 1e6:,.2f}",
                f"${cost['dynamodb'] * 1e6:,.2f}",
                f"**${sum(cost.values()) * 1e6:,.2f}**",
            ]
        )
    report += [
        "## e. Estimated AWS cost per million bookings\n",
        table(
            [
                "path",
                "state transitions",
                "Lambda invocations",
                "GB-s",
                "DynamoDB WRU",
                "Step Functions",
                "Lambda",
                "DynamoDB",
                "total per 1M",
            ],
            rows_e,
        ),
        f"\nPrices (us-east-1 list, x86_64): Step Functions Standard ${PRICE['transition'] * 1000:.3f} per 1,000 state transitions;"
        f" Lambda $0.20 per 1M requests and ${PRICE['lambda_gb_second']} per GB-second at {DEPLOY_DEFAULTS['lambda_memory_mb']} MB;"
        " DynamoDB on-demand $0.625 per 1M write request units (a transactional write costs 2 WRU per item, items under 1 KB)."
        " Lambda durations are the local engine's handler times (moto, not DynamoDB): real ones differ, but at these"
        " prices the state transitions dominate. Logs, X-Ray, KMS requests and data transfer are left out.\n",
    ]

    over_a = [name for name in PATHS if real[name] / floor[name] > 1.3]
    worst_c = max(with_bytecode[service] / baseline for service in with_bytecode)
    report += [
        "## Against the goals\n",
        f"- **a (≤ 1.3):** {'met on every path' if not over_a else 'not met on ' + ', '.join(over_a)}. What a handler adds over the"
        f" floor is almost all moto's DynamoDB ({in_dynamodb * 1000:.1f} of {per_invocation * 1000:.1f} ms per invocation): moto"
        " copies every table on each TransactWriteItems, and the compensation paths run the most transactions. The handlers'"
        f" own work (validation, Powertools, building the request) is {(per_invocation - in_dynamodb) * 1000:.1f} ms; against"
        " DynamoDB the ratio is set by its latency, not by this code.",
        f"- **c (≤ 1.5):** {'met' if worst_c <= 1.5 else f'not met (up to {worst_c:.2f})'}. The handler imports boto3 (the baseline)"
        " plus the AWS X-Ray SDK through Powertools Tracer (about 0.2 s on its own here), pydantic and Powertools. Shipping"
        " bytecode (done when a CPython 3.12 is available) removes the compile step; what would meet the goal is dropping"
        " Powertools Tracer for Lambda's built-in Active tracing (no SDK import), or Lambda SnapStart for Python, which"
        " restores an initialised snapshot instead of importing at all.",
        "",
    ]
    text = "\n".join(report)
    (ROOT / "docs").mkdir(exist_ok=True)
    (ROOT / "docs" / "benchmarks.md").write_text(text)
    print(text)
    print("written to docs/benchmarks.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
