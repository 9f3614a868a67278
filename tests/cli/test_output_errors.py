"""No command exits 0 (or with a verdict nobody saw) when its output could not be written.

Each case is a real subprocess whose stdout is (a) a pipe whose reader has already gone (what
`preflight gate ... | grep -q X` becomes once grep has stopped reading), (b) a closed file
descriptor (`>&-`), (c) /dev/full (ENOSPC); plus `--output` pointed at /dev/full. The documented
answer is exit 2 with one plain line on stderr and no traceback.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.gate.gate_helpers import SSH_KEYGEN

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "tests" / "data" / "sample_project"
PLAN = ROOT / "tests" / "gate" / "data" / "prod-delete-protected-rds.json"
OUTPUT_ERROR_EXIT = 2


def run_with_stdout(mode: str, args, cwd=ROOT, timeout=300, env=None) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "preflight", *map(str, args)]
    if mode == "broken-pipe":
        read_end, write_end = os.pipe()
        os.close(read_end)  # the reader is gone before the first byte is written
        try:
            return subprocess.run(command, stdout=write_end, stderr=subprocess.PIPE, text=True,
                                  cwd=cwd, timeout=timeout, env=env)
        finally:
            os.close(write_end)
    if mode == "closed":
        quoted = " ".join("'" + c.replace("'", "'\\''") + "'" for c in command)
        return subprocess.run(["sh", "-c", f"exec {quoted} >&-"], stderr=subprocess.PIPE, text=True,
                              cwd=cwd, timeout=timeout, env=env)
    if mode == "full":
        with open("/dev/full", "w") as full:
            return subprocess.run(command, stdout=full, stderr=subprocess.PIPE, text=True, cwd=cwd,
                                  timeout=timeout, env=env)
    raise AssertionError(mode)


def assert_output_error(result: subprocess.CompletedProcess) -> None:
    assert result.returncode == OUTPUT_ERROR_EXIT, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr, result.stderr
    # Preflight's own lines (gRPC may log its shutdown chatter from the pack process too)
    errors = [line for line in result.stderr.splitlines() if line.startswith("preflight") and "error:" in line]
    assert len(errors) == 1 and "cannot write the result to stdout" in errors[0], result.stderr


MODES = ["broken-pipe", "closed", "full"]


@pytest.fixture(scope="module")
def key(tmp_path_factory):
    folder = tmp_path_factory.mktemp("key")
    subprocess.run([SSH_KEYGEN, "-q", "-t", "ed25519", "-N", "", "-C", "approver", "-f",
                    str(folder / "id_ed25519")], check=True)
    return folder / "id_ed25519"


@pytest.mark.parametrize("mode", MODES)
def test_gate_never_passes_without_delivering_its_verdict(mode):
    # needs approval (exit 1) when the output is read; exit 2 when it cannot be written
    assert_output_error(run_with_stdout(mode, ["gate", PLAN, "--stack", "prod"]))
    assert_output_error(run_with_stdout(mode, ["gate", PLAN, "--stack", "prod", "--format", "json"]))


@pytest.mark.parametrize("mode", MODES)
def test_digest(mode):
    assert_output_error(run_with_stdout(mode, ["digest", PLAN, "--stack", "prod"]))


@pytest.mark.parametrize("mode", MODES)
def test_approve(mode, key, tmp_path):
    assert_output_error(run_with_stdout(mode, ["approve", PLAN, "--stack", "prod", "--key", key,
                                               "--out", tmp_path / "approvals"]))


@pytest.mark.parametrize("mode", MODES)
def test_policies(mode):
    assert_output_error(run_with_stdout(mode, ["policies"]))


@pytest.mark.parametrize("mode", MODES)
def test_check(mode):
    assert_output_error(run_with_stdout(mode, ["check", SAMPLE, "--stack", "prod"]))


def test_check_output_file_on_a_full_device_exits_2():
    result = subprocess.run([sys.executable, "-m", "preflight", "check", str(SAMPLE), "--stack", "prod",
                             "--output", "/dev/full"], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 2, result.stderr
    assert "cannot write /dev/full" in result.stderr and "Traceback" not in result.stderr
    assert Path("/dev/full").is_char_device()  # written in place, never replaced by a file


def test_help_to_a_closed_stdout_is_not_a_traceback():
    result = run_with_stdout("broken-pipe", ["gate", "--help"])
    assert result.returncode != 0 and "Traceback" not in result.stderr
