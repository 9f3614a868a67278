"""Preflight's own share of `preflight check`: the whole command against the floor of running the same program.

    .venv/bin/python benchmarks/check_overhead.py                  # the baseline (stack prod), 5 runs
    .venv/bin/python benchmarks/check_overhead.py --llm --runs 7   # also stacks/llm-service (stack prod)
    git archive <commit> | tar -x -C /tmp/before                   # an older Preflight, to compare with:
    .venv/bin/python benchmarks/check_overhead.py --against /tmp/before

Per stack and run, taking turns:
- `preflight check --stack prod --timings` as a user runs it (a subprocess, wall time), with the split
  it prints: the program on the recording engine, pack start-up, analysis;
- the peer, in the same run: the program alone under the Pulumi SDK's own mocks
  (`benchmarks/program_floor.py`, in the project's interpreter; no pack, no Preflight): the floor
  any offline check of this program pays; and the same mocks with the program run as the language host
  runs it (`--as-host`: `run_in_stack`, as the recording engine does), the "host floor".
Preflight's overhead = total - floor. Also `preflight --help` and `preflight check --help` (wall time).
`--against DIR` also runs another checkout's Preflight (its `preflight` package, runner and pack, on this
interpreter) in the same runs, taking turns with this one, for a before/after on the same machine load.
Every figure is the median of --runs runs. Timings are printed, never asserted.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Dict, List, Optional

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
FLOOR = os.path.join(ROOT, "benchmarks", "program_floor.py")
TIMINGS_RE = re.compile(r"timings: program ([\d.]+)s, pack start-up ([\d.]+)s, analysis ([\d.]+)s")
LLM = os.path.join(ROOT, "stacks", "llm-service")
STACKS = {
    "baseline": (ROOT, "prod", []),
    "llm-service": (LLM, "prod", ["--stack-outputs", os.path.join(LLM, "baseline-outputs.json"),
                                  "--policy-pack-config", os.path.join(LLM, "policy-pack-config.json")]),
}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # every waited-for descendant: CLI, program, pack
    return usage.ru_utime + usage.ru_stime


def _wall(cmd: List[str], cwd: str, cpu: Optional[List[float]] = None) -> tuple:
    """Wall time of cmd; its CPU time (with its children's) is appended to `cpu` when given."""
    before = _cpu()
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if cpu is not None:
        cpu.append(_cpu() - before)
    return seconds, proc


def _floor_input(project_dir: str, stack_name: str, extra: List[str], tmp: str):
    """What the floor needs, computed outside the timed runs: the program, its interpreter and its config."""
    from preflight.check.engine import load_stack_outputs
    from preflight.check.project import load_project, load_stack
    project = load_project(project_dir)
    stack = load_stack(project, stack_name)
    outputs_file = extra[extra.index("--stack-outputs") + 1] if "--stack-outputs" in extra else None
    outputs = {name: entry["outputs"] for name, entry in load_stack_outputs(outputs_file).items()}
    path = os.path.join(tmp, f"{project.name}-{stack_name}.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"config": stack.program_config or stack.config, "stackOutputs": outputs}, f)
    return [project.python, FLOOR, project.main, project.name, stack.name, path]


def _stack(root: str, label: str):
    project_dir, stack_name, extra = STACKS[label]
    rel = os.path.relpath(project_dir, ROOT)
    return (os.path.join(root, rel) if rel != "." else root), stack_name, [
        os.path.join(root, os.path.relpath(a, ROOT)) if os.path.isabs(a) else a for a in extra]


def measure_stack(label: str, runs: int, tmp: str, roots: Dict[str, str]) -> Dict[str, Dict[str, float]]:
    """{build: figures} for each Preflight checkout in roots ({name: folder}), taking turns with the floor."""
    project_dir, stack_name, extra = STACKS[label]
    floor = _floor_input(project_dir, stack_name, extra, tmp)
    samples: Dict[str, Dict[str, List[float]]] = {
        name: {k: [] for k in ("total", "program", "pack", "analysis", "cpu")} for name in roots}
    floors: List[float] = []
    floor_cpu: List[float] = []
    host_floors: List[float] = []
    resources = None
    for _ in range(runs):
        for name, root in roots.items():
            # `python -m preflight` from the checkout's folder imports that checkout's package.
            where, stack_arg, args = _stack(root, label)
            check = [sys.executable, "-m", "preflight", "check", where, "--stack", stack_arg, "--timings",
                     "--format", "json", "--output", os.devnull, *args]
            seconds, proc = _wall(check, root, samples[name]["cpu"])
            match = TIMINGS_RE.search(proc.stderr)
            if proc.returncode not in (0, 1) or not match:
                raise SystemExit(f"preflight check {label} ({name}) failed (exit {proc.returncode}):\n"
                                 f"{proc.stderr[-2000:]}")
            samples[name]["total"].append(seconds)
            for key, value in zip(("program", "pack", "analysis"), match.groups()):
                samples[name][key].append(float(value))
        seconds, proc = _wall(floor, ROOT, floor_cpu)
        if proc.returncode != 0:
            raise SystemExit(f"the floor program run for {label} failed:\n{proc.stderr[-2000:]}")
        resources = int(proc.stdout.split()[-1])
        floors.append(seconds)
        seconds, proc = _wall(floor[:2] + ["--as-host"] + floor[2:], ROOT)
        if proc.returncode != 0:
            raise SystemExit(f"the host floor program run for {label} failed:\n{proc.stderr[-2000:]}")
        host_floors.append(seconds)
    out = {}
    for name in roots:
        fig = {k: statistics.median(v) for k, v in samples[name].items()}
        fig["floor"] = statistics.median(floors)
        fig["host"] = statistics.median(host_floors)
        fig["floor_cpu"] = statistics.median(floor_cpu)
        fig["overhead"] = statistics.median(t - f for t, f in zip(samples[name]["total"], floors))
        fig["resources"] = resources
        out[name] = fig
    return out


def measure_help(runs: int, roots: Dict[str, str]) -> Dict[str, float]:
    """The two help screens, and their peer: a bare interpreter start (`python -c pass`), the floor of any
    Python command line."""
    cases = {"python -c pass (peer)": (ROOT, ["-c", "pass"])}
    for name, root in roots.items():
        suffix = "" if len(roots) == 1 else f" ({name})"
        cases[f"preflight --help{suffix}"] = (root, ["-m", "preflight", "--help"])
        cases[f"preflight check --help{suffix}"] = (root, ["-m", "preflight", "check", "--help"])
    times: Dict[str, List[float]] = {label: [] for label in cases}
    for _ in range(runs):
        for label, (root, argv) in cases.items():
            seconds, proc = _wall([sys.executable, *argv], root)
            if proc.returncode != 0:
                raise SystemExit(f"{label} failed: {proc.stderr[-1000:]}")
            times[label].append(seconds)
    return {label: statistics.median(v) for label, v in times.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--llm", action="store_true", help="also measure stacks/llm-service (stack prod)")
    ap.add_argument("--against", metavar="DIR", help="another Preflight checkout to measure in the same runs")
    args = ap.parse_args()
    roots = {"this": ROOT}
    if args.against:
        roots["against"] = os.path.abspath(args.against)
    labels = ["baseline"] + (["llm-service"] if args.llm else [])
    with tempfile.TemporaryDirectory(prefix="preflight-overhead-") as tmp:
        results = {label: measure_stack(label, args.runs, tmp, roots) for label in labels}
    helps = measure_help(args.runs, roots)

    print(f"preflight check, medians of {args.runs} runs (seconds)")
    print(f"{'stack':<12} {'build':<8} {'res':>4} {'total':>6} {'floor':>6} {'host':>6} {'overhead':>8} {'ratio':>6}   "
          f"{'--timings: program':>18} {'pack start-up':>13} {'analysis':>8} {'rest':>6}   "
          f"{'cpu':>5} {'floor':>5} {'extra':>5}")
    for label, by_build in results.items():
        for name, r in by_build.items():
            rest = r["total"] - r["program"] - r["analysis"]
            print(f"{label:<12} {name:<8} {r['resources']:>4} {r['total']:6.2f} {r['floor']:6.2f} {r['host']:6.2f} "
                  f"{r['overhead']:8.2f} {r['total'] / r['floor']:5.2f}x   {r['program']:18.2f} {r['pack']:13.2f} "
                  f"{r['analysis']:8.2f} {rest:6.2f}   {r['cpu']:5.2f} {r['floor_cpu']:5.2f} "
                  f"{r['cpu'] - r['floor_cpu']:5.2f}")
    print("  floor: the program alone under the Pulumi SDK's mocks (benchmarks/program_floor.py); host: the same, run "
          "as the language host runs it (--as-host);\n  overhead = total - floor (median of the runs' differences); "
          "ratio = total / floor;\n  rest = total - program - analysis "
          "(CLI start-up and imports, waiting for the pack, reading the recording, report, shutdown);\n"
          "  cpu: CPU seconds (user + system) of the check with all its processes, of the floor, and the difference "
          "(steadier than wall time on a busy machine)")
    if args.against:
        print(f"  this = {ROOT}, against = {roots['against']}")
    peer = helps["python -c pass (peer)"]
    for label, seconds in helps.items():
        print(f"{label:<33} {seconds * 1000:5.0f} ms (median of {args.runs}; {seconds / peer:4.1f}x a bare "
              f"interpreter start)")


if __name__ == "__main__":
    main()
