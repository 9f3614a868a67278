"""Analyze throughput, latency, start-up, AnalyzeStack time and memory: Preflight's pack vs Pulumi's AWSGuard.

    .venv/bin/python benchmarks/analyze_throughput.py            # both packs, 3 runs each, medians
    .venv/bin/python benchmarks/analyze_throughput.py --ours-only --runs 1

Both packs are started as the Pulumi CLI starts them and spoken to over the Analyzer gRPC
protocol, with the same resources (benchmarks/workload.py). Analyze calls are issued with 16 in
flight (an engine running steps in parallel) and one at a time. Every figure is the median over
--runs runs; the machine may be shared, so expect some noise. AWSGuard is installed into
benchmarks/.cache/awsguard on first use (npm).
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


def median_of(runs: int, measure: Callable[[], float]) -> float:
    return statistics.median(measure() for _ in range(runs))


def bench_pack(which: str, runs: int, calls: int, serial_calls: int, log, pack_dir: str = packs.OUR_PACK,
               stack_runs: int = 0) -> Dict[str, float]:
    results: Dict[str, float] = {}
    startups = []
    for _ in range(runs):
        process = packs.start(which, pack_dir)
        startups.append(process.startup_seconds)
        process.close()
    results["startup_s"] = statistics.median(startups)

    process = packs.start(which, pack_dir)
    try:
        process.get_info()
        results["policies"] = len(process.info.policies)
        process.configure({})
        process.configure_stack()
        pool = [process.analyze_request(r) for r in workload.stack(ANALYZE_POOL)]
        requests = [pool[i % len(pool)] for i in range(calls)]
        drive(process, pool[:300], 16)  # warm-up (imports, caches, JIT for Node)
        cpu_before = packs.cpu_seconds(process.process.pid)
        parallel = [drive(process, requests, 16) for _ in range(runs)]
        # The pack's own CPU per call: less sensitive than calls/s to a shared machine and to the client.
        results["analyze16_cpu_ms"] = (packs.cpu_seconds(process.process.pid) - cpu_before) / (runs * calls) * 1000
        serial = [drive(process, requests[:serial_calls], 1) for _ in range(runs)]
        for key in ("calls_per_s", "p50_ms", "p99_ms"):
            results[f"analyze16_{key}"] = statistics.median(r[key] for r in parallel)
            results[f"analyze1_{key}"] = statistics.median(r[key] for r in serial)
        response = process.analyze_stack(workload.stack(50))  # warm-up
        for size in STACK_SIZES:
            request = process.analyze_stack_request(workload.stack(size))

            def one() -> float:
                t0 = time.perf_counter()
                process.stub.AnalyzeStack(request)
                return time.perf_counter() - t0
            results[f"stack{size}_s"] = median_of(stack_runs or runs, one)
        results["peak_rss_mb"] = packs.peak_rss_mb(process.process.pid)
        # What the pack says about one pass over the pool: proof both packs did real work.
        diagnostics = sum(len(process.analyze(r).diagnostics) for r in workload.stack(ANALYZE_POOL))
        results["diagnostics"] = diagnostics
        del response
    finally:
        process.close()
    log(f"  {which}: done")
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
    names = list(results)
    header = f"{'':38}" + "".join(f"{n:>14}" for n in names)
    if len(names) == 2:
        header += f"{'ours/AWSGuard':>16}"
    lines = [header, "-" * len(header)]
    for key, label, fmt, better in ROWS:
        line = f"{label:38}" + "".join(f"{fmt.format(results[n][key]):>14}" for n in names)
        if len(names) == 2 and better:
            a, b = results[names[0]][key], results[names[1]][key]
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
    parser.add_argument("--pack", default=packs.OUR_PACK, metavar="DIR",
                        help="the Preflight policy pack folder to measure (default: this checkout's policypack)")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.calls < 100 or args.serial_calls < 100:
        parser.error("--runs must be at least 1, --calls and --serial-calls at least 100")

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    if not args.ours_only:
        packs.ensure_awsguard(log)
    log(f"benchmarking ({args.runs} runs per figure, medians; {os.cpu_count()} CPUs; the client shares them)")
    if not os.path.isfile(os.path.join(args.pack, "PulumiPolicy.yaml")):
        parser.error(f"{args.pack} is not a policy pack folder (no PulumiPolicy.yaml)")
    results = {"preflight": bench_pack("ours", args.runs, args.calls, args.serial_calls, log, args.pack,
                                         args.stack_runs)}
    if not args.ours_only:
        results["AWSGuard"] = bench_pack("awsguard", args.runs, args.calls, args.serial_calls, log,
                                         stack_runs=args.stack_runs)
    print(table(results))
    print(f"\nSame {ANALYZE_POOL}-resource mix to both packs ({workload.UNIT_SIZE} per service: S3 bucket + "
          f"split-out config, v6-style inline bucket, RDS, DynamoDB, EC2, security group, IAM role/policy/"
          f"attachment, Lambda, log group, KMS key). AWSGuard (pulumi-aws 4.x era) does not know the v7 "
          f"split-out S3 resources. Medians of {args.runs} run(s); ratios are ours/AWSGuard.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
