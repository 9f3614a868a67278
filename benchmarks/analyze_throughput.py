"""Analyze throughput, latency, start-up, AnalyzeStack time and memory: Preflight's pack vs Pulumi's AWSGuard.

    .venv/bin/python benchmarks/analyze_throughput.py            # both packs, 3 runs each, medians
    .venv/bin/python benchmarks/analyze_throughput.py --floor    # plus a do-nothing Python analyzer
    .venv/bin/python benchmarks/analyze_throughput.py --ours-only --runs 1

Both packs are started as the Pulumi CLI starts them and spoken to over the Analyzer gRPC
protocol, with the same resources (benchmarks/workload.py). Analyze calls are issued with 16 in
flight (an engine running steps in parallel) and one at a time. Every figure is the median over
--runs runs, the packs taking turns within each run; the machine may be shared, so expect some
noise ("pack CPU per call", read from /proc, is the steadiest row). AWSGuard is installed into
benchmarks/.cache/awsguard on first use (npm; Node.js 18+).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from typing import Callable, Dict, List

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import packs  # noqa: E402
import workload  # noqa: E402

ANALYZE_POOL = 1020          # distinct resources the Analyze calls cycle through (60 services)
STACK_SIZES = (1_000, 10_000)


def drive(process, requests: List, in_flight: int) -> Dict[str, float]:
    """Send every request with `in_flight` outstanding at once; calls/s and latency percentiles."""
    call = process.stub.Analyze
    latencies = [0.0] * len(requests)
    errors: List[BaseException] = []
    if in_flight == 1:
        started = time.perf_counter()
        for i, req in enumerate(requests):
            t0 = time.perf_counter()
            call(req)
            latencies[i] = time.perf_counter() - t0
        elapsed = time.perf_counter() - started
    else:
        slots = threading.Semaphore(in_flight)
        finished = threading.Event()
        remaining = [len(requests)]
        lock = threading.Lock()

        def on_done(i: int, t0: float, future) -> None:
            latencies[i] = time.perf_counter() - t0
            if future.exception() is not None:
                errors.append(future.exception())
            slots.release()
            with lock:
                remaining[0] -= 1
                if remaining[0] == 0:
                    finished.set()

        started = time.perf_counter()
        for i, req in enumerate(requests):
            slots.acquire()
            t0 = time.perf_counter()
            call.future(req).add_done_callback(lambda f, i=i, t0=t0: on_done(i, t0, f))
        finished.wait()
        elapsed = time.perf_counter() - started
    if errors:
        raise SystemExit(f"Analyze failed: {errors[0]}")
    ordered = sorted(latencies)
    return {"calls_per_s": len(requests) / elapsed,
            "p50_ms": ordered[len(ordered) // 2] * 1000,
            "p99_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000}


def bench(packs_to_run: Dict[str, Callable[[], object]], runs: int, calls: int, serial_calls: int,
          stack_runs: int, log) -> Dict[str, Dict[str, float]]:
    """Every figure for every pack; the packs take turns within each run, so that a shared
    machine's changing load falls on all of them alike."""
    names = list(packs_to_run)
    results: Dict[str, Dict[str, float]] = {n: {} for n in names}
    samples: Dict[str, Dict[str, List[float]]] = {n: {} for n in names}

    def add(name: str, key: str, value: float) -> None:
        samples[name].setdefault(key, []).append(value)

    for _ in range(runs):
        for n in names:
            process = packs_to_run[n]()
            add(n, "startup_s", process.startup_seconds)
            process.close()

    processes = {n: packs_to_run[n]() for n in names}
    try:
        for n, process in processes.items():
            process.get_info()
            results[n]["policies"] = len(process.info.policies)
            process.configure({})
            process.configure_stack()
        # The same request messages go to every pack.
        anyone = next(iter(processes.values()))
        pool = [anyone.analyze_request(r) for r in workload.stack(ANALYZE_POOL)]
        requests = [pool[i % len(pool)] for i in range(calls)]
        for process in processes.values():
            drive(process, pool, 16)  # warm-up: imports, caches, and Node's JIT
            process.analyze_stack(workload.stack(50))
        log("  Analyze, 16 in flight...")
        for _ in range(runs):
            for n, process in processes.items():
                cpu_before = packs.cpu_seconds(process.process.pid)
                for key, value in drive(process, requests, 16).items():
                    add(n, f"analyze16_{key}", value)
                # The pack's own CPU per call: less sensitive than calls/s to a shared machine and the client.
                add(n, "analyze16_cpu_ms", (packs.cpu_seconds(process.process.pid) - cpu_before) / calls * 1000)
        log("  Analyze, 1 in flight...")
        for _ in range(runs):
            for n, process in processes.items():
                for key, value in drive(process, requests[:serial_calls], 1).items():
                    add(n, f"analyze1_{key}", value)
        for size in STACK_SIZES:
            log(f"  AnalyzeStack, {size:,} resources...")
            request = anyone.analyze_stack_request(workload.stack(size))
            for _ in range(stack_runs or runs):
                for n, process in processes.items():
                    t0 = time.perf_counter()
                    process.stub.AnalyzeStack(request)
                    add(n, f"stack{size}_s", time.perf_counter() - t0)
        for n, process in processes.items():
            results[n]["peak_rss_mb"] = packs.peak_rss_mb(process.process.pid)
            # What the pack says about one pass over the pool: proof every pack did real work.
            results[n]["diagnostics"] = sum(len(process.stub.Analyze(r).diagnostics) for r in pool)
    finally:
        for process in processes.values():
            process.close()
    for n in names:
        for key, values in samples[n].items():
            results[n][key] = statistics.median(values)
    return results


ROWS = [
    ("policies", "policies in the pack", "{:.0f}", None),
    ("analyze16_calls_per_s", "Analyze calls/s, 16 in flight", "{:,.0f}", "higher"),
    ("analyze16_p50_ms", "  latency p50 (ms)", "{:.2f}", "lower"),
    ("analyze16_p99_ms", "  latency p99 (ms)", "{:.2f}", "lower"),
    ("analyze16_cpu_ms", "  pack CPU per call (ms)", "{:.3f}", "lower"),
    ("analyze1_calls_per_s", "Analyze calls/s, 1 in flight", "{:,.0f}", "higher"),
    ("analyze1_p50_ms", "  latency p50 (ms)", "{:.2f}", "lower"),
    ("analyze1_p99_ms", "  latency p99 (ms)", "{:.2f}", "lower"),
    ("startup_s", "pack start-up (s)", "{:.2f}", "lower"),
    ("stack1000_s", "AnalyzeStack, 1,000 resources (s)", "{:.3f}", "lower"),
    ("stack10000_s", "AnalyzeStack, 10,000 resources (s)", "{:.3f}", "lower"),
    ("peak_rss_mb", "peak memory (MB RSS)", "{:.0f}", "lower"),
    ("diagnostics", f"diagnostics over {ANALYZE_POOL} resources", "{:.0f}", None),
]


def table(results: Dict[str, Dict[str, float]]) -> str:
    """One column per pack; the last column is preflight/AWSGuard when both ran."""
    names = list(results)
    ratio = "preflight" in results and "AWSGuard" in results
    header = f"{'':38}" + "".join(f"{n:>14}" for n in names) + (f"{'ours/AWSGuard':>16}" if ratio else "")
    lines = [header, "-" * len(header)]
    for key, label, fmt, better in ROWS:
        line = f"{label:38}" + "".join(f"{fmt.format(results[n].get(key, 0)):>14}" for n in names)
        if ratio and better:
            a, b = results["preflight"][key], results["AWSGuard"][key]
            line += f"{(a / b if b else float('inf')):>15.2f}x"
        lines.append(line)
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per figure; the median is printed (default 3)")
    parser.add_argument("--calls", type=int, default=4000, help="Analyze calls per 16-in-flight run (default 4000)")
    parser.add_argument("--serial-calls", type=int, default=1000,
                        help="Analyze calls per one-at-a-time run (default 1000)")
    parser.add_argument("--ours-only", action="store_true", help="skip AWSGuard (no Node.js needed)")
    parser.add_argument("--stack-runs", type=int, default=0, metavar="N",
                        help="runs per AnalyzeStack figure (default: --runs)")
    parser.add_argument("--floor", action="store_true",
                        help="also measure a bare Python analyzer that decodes each resource and judges "
                             "nothing (benchmarks/floor_pack): the floor of any pack on Python gRPC")
    parser.add_argument("--pack", default=packs.OUR_PACK, metavar="DIR",
                        help="the Preflight policy pack folder to measure (default: this checkout's policypack)")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.calls < 100 or args.serial_calls < 100:
        parser.error("--runs must be at least 1, --calls and --serial-calls at least 100")

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    if not args.ours_only:
        packs.ensure_awsguard(log)
    log(f"benchmarking ({args.runs} run(s) per figure, medians; {os.cpu_count()} CPUs, shared with this client)")
    if not os.path.isfile(os.path.join(args.pack, "PulumiPolicy.yaml")):
        parser.error(f"{args.pack} is not a policy pack folder (no PulumiPolicy.yaml)")
    contenders = {"preflight": lambda: packs.start("ours", args.pack)}
    if not args.ours_only:
        contenders["AWSGuard"] = lambda: packs.start("awsguard")
    if args.floor:
        contenders["bare Python"] = lambda: packs.start("floor")
    results = bench(contenders, args.runs, args.calls, args.serial_calls, args.stack_runs, log)
    print(table(results))
    print(f"\nSame {ANALYZE_POOL}-resource mix to both packs ({workload.UNIT_SIZE} per service: S3 bucket + "
          f"split-out config, v6-style inline bucket, RDS, DynamoDB, EC2, security group, IAM role/policy/"
          f"attachment, Lambda, log group, KMS key). AWSGuard (pulumi-aws 4.x era) does not know the v7 "
          f"split-out S3 resources. Medians of {args.runs} run(s), the packs taking turns; ratios are ours/AWSGuard.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
