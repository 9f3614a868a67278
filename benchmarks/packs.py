"""Start the packs under test exactly as the Pulumi CLI does, and read their peak memory.

Our pack: `python -u -m pulumi.policy <engine-address> <pack-dir>` (preflight.analyzer does it).
AWSGuard: a Node.js pack is run by the `pulumi-analyzer-policy` shim of @pulumi/pulumi, which
resolves `@pulumi/pulumi/cmd/run-policy-pack` from the pack folder and runs
`node <that> <engine-address> <pack-dir>` there; the pack's server prints its port on stdout.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from typing import List, Optional

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from preflight.analyzer import PolicyPackProcess, StackContext  # noqa: E402

from workload import PROJECT, STACK  # noqa: E402

OUR_PACK = os.path.join(ROOT, "policypack")
FLOOR_PACK = os.path.join(ROOT, "benchmarks", "floor_pack")
CACHE = os.path.join(ROOT, "benchmarks", ".cache")
AWSGUARD_DIR = os.path.join(CACHE, "awsguard")
AWSGUARD_PACKAGES = ["@pulumi/awsguard@^0.3.1", "@pulumi/policy@^1.21.0", "@pulumi/pulumi@^3.200.0"]
AWSGUARD_INDEX = ('const { AwsGuard } = require("@pulumi/awsguard");\n'
                  'new AwsGuard({ all: "mandatory" });\n')


def context() -> StackContext:
    return StackContext(project=PROJECT, stack=STACK, config={"preflight:environment": "prod",
                                                             "aws:region": "us-east-1"})


class NodePolicyPack(PolicyPackProcess):
    """A Node.js policy pack, started the way the CLI's pulumi-analyzer-policy shim starts it."""

    def command(self) -> List[str]:
        script = subprocess.run(
            ["node", "-e", "console.log(require.resolve('@pulumi/pulumi/cmd/run-policy-pack'))"],
            cwd=self.pack_dir, capture_output=True, text=True, check=True).stdout.strip()
        return ["node", script, "127.0.0.1:0", self.pack_dir]


def ensure_awsguard(log=print) -> str:
    """Install AWSGuard into benchmarks/.cache/awsguard when it is not there yet (needs npm)."""
    marker = os.path.join(AWSGUARD_DIR, "node_modules", "@pulumi", "awsguard", "package.json")
    os.makedirs(AWSGUARD_DIR, exist_ok=True)
    with open(os.path.join(AWSGUARD_DIR, "index.js"), "w", encoding="utf-8") as f:
        f.write(AWSGUARD_INDEX)
    with open(os.path.join(AWSGUARD_DIR, "PulumiPolicy.yaml"), "w", encoding="utf-8") as f:
        f.write("runtime: nodejs\ndescription: Pulumi AWSGuard, the benchmark's peer\n")
    if not os.path.exists(os.path.join(AWSGUARD_DIR, "package.json")):
        with open(os.path.join(AWSGUARD_DIR, "package.json"), "w", encoding="utf-8") as f:
            f.write('{"name": "awsguard-bench", "version": "1.0.0", "private": true, "main": "index.js"}\n')
    if os.path.exists(marker):
        return AWSGUARD_DIR
    if not shutil.which("npm") or not shutil.which("node"):
        raise SystemExit("AWSGuard is not installed and node/npm are not on PATH; install Node.js 18+ "
                         "(apt-get install nodejs npm) and run again, or pass --ours-only")
    log(f"AWSGuard is not installed: installing {' '.join(AWSGUARD_PACKAGES)} into {AWSGUARD_DIR} "
        f"(once; about 250 MB)...")
    proc = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", *AWSGUARD_PACKAGES],
                          cwd=AWSGUARD_DIR, capture_output=True, text=True)
    if proc.returncode != 0 or not os.path.exists(marker):
        raise SystemExit(f"npm install of AWSGuard failed (exit {proc.returncode}):\n{proc.stderr[-2000:]}\n"
                         f"Fix npm's access to the registry and run again, or pass --ours-only")
    return AWSGUARD_DIR


def start(which: str, pack_dir: str = OUR_PACK) -> PolicyPackProcess:
    if which == "ours":
        process = PolicyPackProcess(pack_dir, context())
    elif which == "floor":
        process = PolicyPackProcess(FLOOR_PACK, context())
    elif which == "awsguard":
        process = NodePolicyPack(AWSGUARD_DIR, context())
    else:
        raise ValueError(which)
    process.start()
    return process


def peak_rss_mb(pid: Optional[int]) -> float:
    """The process's peak resident memory (VmHWM), in MB; 0 when it cannot be read."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except (OSError, ValueError):
        pass
    return 0.0


def cpu_seconds(pid: Optional[int]) -> float:
    """User + system CPU the process has used so far (Linux /proc); 0 when it cannot be read."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0
