"""The real-CLI tier: the Pulumi CLI built by scripts/build-pulumi-cli.sh, a file:// backend,
passphrase secrets, the stand-in aws provider and the stand-in Python language host.

Without a built CLI these tests are skipped, except under CI (CI set), where that is a failure:
.ci/run builds the CLI first.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import pytest

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
CLI_VERSION = os.environ.get("PULUMI_CLI_VERSION", "v3.276.0")
PASSPHRASE = "preflight real-cli tests"
TIMEOUT = 300  # every CLI call is time-limited (a pack that fails to start can hang the engine)


def _aws_sdk_version() -> str:
    import pulumi_aws
    with open(Path(pulumi_aws.__file__).parent / "pulumi-plugin.json", encoding="utf-8") as f:
        return json.load(f)["version"]


def find_cli() -> Optional[Path]:
    explicit = os.environ.get("PREFLIGHT_PULUMI_CLI")
    if explicit:
        return Path(explicit)
    root = Path(os.environ.get("PREFLIGHT_PULUMI_CACHE", Path.home() / ".cache" / "preflight" / "pulumi"))
    candidate = root / CLI_VERSION / "bin" / "pulumi"
    if candidate.is_file() and (root / CLI_VERSION / "ok").exists():
        return candidate
    return None


class Pulumi:
    """Runs the CLI the way CI would: non-interactive, no update check, no downloads."""

    def __init__(self, cli: Path, session: Path):
        self.cli = cli
        self.session = session
        self.bin = session / "bin"
        self.home = session / "home"
        self.pack = session / "policypack"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")}
        self.env.update({
            "PATH": f"{self.bin}{os.pathsep}{cli.parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "PREFLIGHT_PULUMI_BIN": str(cli.parent),
            "PULUMI_HOME": str(self.home),
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "PULUMI_SKIP_CONFIRMATIONS": "true",
            "PULUMI_PYTHON_CMD": sys.executable,
            "PULUMI_EXPERIMENTAL": "true",  # shows `up --plan` in help; the flag parses either way
            "PYTHONUNBUFFERED": "1",
        })
        for k in ("CLAUDECODE", "CODEX_CI"):
            self.env.pop(k, None)

    def run(self, args: Sequence[str], cwd: Path, env: Optional[Dict[str, str]] = None,
            expect: Optional[Sequence[int]] = (0,)) -> subprocess.CompletedProcess:
        full_env = dict(self.env)
        full_env.update(env or {})
        proc = subprocess.run([str(self.cli), *args, "--non-interactive"], cwd=cwd, env=full_env,
                              capture_output=True, text=True, timeout=TIMEOUT)
        if expect is not None and proc.returncode not in expect:
            raise AssertionError(f"pulumi {' '.join(args)} exited {proc.returncode} (expected {list(expect)})\n"
                                 f"--- stdout ---\n{proc.stdout[-6000:]}\n--- stderr ---\n{proc.stderr[-6000:]}")
        return proc

    def new_stack(self, project: Path, stack: str, backend: Path) -> Dict[str, str]:
        env = {"PULUMI_BACKEND_URL": backend.as_uri()}
        backend.mkdir(parents=True, exist_ok=True)
        self.run(["stack", "init", stack], cwd=project, env=env)
        return env

    def policy_events(self, args: Sequence[str], cwd: Path, env: Dict[str, str],
                      expect=(0, 1)) -> (List[dict], subprocess.CompletedProcess):
        e = dict(env)
        e["PULUMI_ENABLE_STREAMING_JSON_PREVIEW"] = "true"
        proc = self.run([*args, "--json"], cwd=cwd, env=e, expect=expect)
        events = []
        for line in proc.stdout.splitlines():
            line = line.strip()
            if line.startswith("{"):
                events.append(json.loads(line))
        return events, proc


def _write_launcher(path: Path, script: Path) -> None:
    path.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{script}" "$@"\n', encoding="utf-8")
    path.chmod(0o755)


@pytest.fixture(scope="session")
def pulumi(tmp_path_factory) -> Pulumi:
    cli = find_cli()
    if cli is None:
        message = (f"the Pulumi CLI {CLI_VERSION} is not built: run scripts/build-pulumi-cli.sh "
                   f"(needs Go >= 1.26 and the Go module proxy), or set PREFLIGHT_PULUMI_CLI")
        if os.environ.get("CI"):
            pytest.fail(message + " (CI is set: the real-CLI tier must not be skipped)")
        pytest.skip(message)
    session = tmp_path_factory.mktemp("realcli")
    p = Pulumi(cli, session)
    p.bin.mkdir()
    _write_launcher(p.bin / "pulumi-language-python", HERE / "standin_langhost.py")
    plugin_dir = p.home / "plugins" / f"resource-aws-v{_aws_sdk_version()}"
    plugin_dir.mkdir(parents=True)
    _write_launcher(plugin_dir / "pulumi-resource-aws", HERE / "standin_provider.py")
    # The bundled pack, with the virtualenv PulumiPolicy.yaml names (`venv`) pre-built: the CLI
    # never creates it for a local pack. Here it is the test interpreter's environment.
    shutil.copytree(REPO / "policypack", p.pack, ignore=shutil.ignore_patterns("venv", "__pycache__"))
    (p.pack / "venv").symlink_to(Path(sys.prefix))
    return p


def copy_project(src: Path, dest: Path) -> Path:
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("__pycache__", "venv", ".venv"))
    return dest


def preflight_check(project: Path, stack: str, pack: Path, config: Optional[Path] = None) -> dict:
    args = [sys.executable, "-m", "preflight", "check", str(project), "--stack", stack,
            "--policy-pack", str(pack), "--format", "json"]
    if config:
        args += ["--policy-pack-config", str(config)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")}
    proc = subprocess.run(args, capture_output=True, text=True, timeout=TIMEOUT, cwd=REPO, env=env)
    assert proc.returncode in (0, 1), f"preflight check exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return json.loads(proc.stdout)
