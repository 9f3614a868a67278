"""The distribution as a user installs it: a real wheel, installed non-editable into a clean virtualenv.

The wheel is built once (pip wheel, pip's cache, build isolation as pip install does) and installed
with --no-deps into a fresh virtualenv whose only other path is this environment's site-packages (a
.pth line), so the dependencies are reused while `preflight` itself, and the policy pack, can only come
from the wheel. Runs from a folder outside the checkout so nothing is imported from the source tree.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile

import pytest

from tests.conftest import ROOT

SAMPLE = os.path.join(ROOT, "tests", "data", "sample_project")


def _source_files(folder: str):
    out = set()
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if d not in ("venv", ".venv", "__pycache__")]
        for f in filenames:
            if f.endswith((".py", ".json", ".yaml", ".txt")) and not f.endswith(".pyc"):
                out.add(os.path.relpath(os.path.join(dirpath, f), folder).replace(os.sep, "/"))
    return out


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), ROOT],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    (path,) = [os.path.join(out, f) for f in os.listdir(out) if f.endswith(".whl")]
    return path


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory):
    """(venv python, folder outside the checkout) with the wheel installed non-editable."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = os.path.join(venv, "bin", "python")
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    # Dependencies from this environment; the .pth line comes after the venv's own site-packages, and
    # this environment's own .pth files (the editable install's finder) are not processed.
    with open(os.path.join(site, "ci-deps.pth"), "w", encoding="utf-8") as f:
        f.write(sysconfig.get_paths()["purelib"] + "\n")
    proc = subprocess.run([sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", wheel],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    work = tmp_path_factory.mktemp("elsewhere")
    return python, str(work), site


def _run(installed, *args):
    python, cwd, _ = installed
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    return subprocess.run([python, "-m", "preflight", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env=env)


def test_wheel_holds_the_policy_pack_and_all_code(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for rel in _source_files(os.path.join(ROOT, "policypack")):
        assert f"preflight/_pack/{rel}" in names, f"policypack/{rel} is not in the wheel"
    for top in ("preflight", "components"):
        for rel in _source_files(os.path.join(ROOT, top)):
            if rel.endswith(".py"):
                assert f"{top}/{rel}" in names, f"{top}/{rel} is not in the wheel (add its package to pyproject)"
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    meta = next(zipfile.ZipFile(wheel).read(n).decode() for n in names if n.endswith(".dist-info/METADATA"))
    assert re.search(r"^License-Expression: Apache-2.0$", meta, re.M)
    assert not any(n.startswith(("tests/", "stacks/", "policypack/")) for n in names)


def test_installed_preflight_comes_from_the_wheel(installed):
    python, cwd, site = installed
    where = subprocess.run([python, "-c", "import preflight; print(preflight.__file__)"], cwd=cwd,
                           capture_output=True, text=True, check=True).stdout.strip()
    assert where.startswith(site)
    proc = _run(installed, "pack-path")
    assert proc.returncode == 0, proc.stderr
    path = proc.stdout.strip()
    assert path.startswith(site) and os.path.isfile(os.path.join(path, "PulumiPolicy.yaml"))


def test_installed_policies_and_check_use_the_shipped_pack(installed, tmp_path):
    proc = _run(installed, "policies", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["count"] == len(doc["policies"]) > 100
    # The compliance maps ship with the pack (and the pack fills each policy's frameworks from them).
    assert any(ref.startswith("CIS-AWS-3.0:") for p in doc["policies"] for ref in p["frameworks"])
    proc = _run(installed, "policies", "--framework", "fsbp", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["frameworks"][0]["covered"] > 50
    project = tmp_path / "project"
    shutil.copytree(SAMPLE, project)
    proc = _run(installed, "check", str(project), "--stack", "prod", "--format", "json")
    assert proc.returncode == 1, proc.stderr
    found = {v["policy"] for v in json.loads(proc.stdout)["violations"]}
    assert "rds-storage-encrypted" in found


def test_installed_pack_path_copy(installed, tmp_path):
    dest = tmp_path / "pack"
    proc = _run(installed, "pack-path", "--copy", str(dest))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(dest)
    assert _source_files(str(dest)) == _source_files(os.path.join(ROOT, "policypack"))
    again = _run(installed, "pack-path", "--copy", str(dest))
    assert again.returncode == 2 and "not empty" in again.stderr and "Traceback" not in again.stderr


def test_one_version():
    """preflight/__init__.py is the source; pyproject derives it, the pack and the changelog must agree."""
    import yaml

    from preflight import __version__
    with open(os.path.join(ROOT, "policypack", "PulumiPolicy.yaml"), encoding="utf-8") as f:
        assert str(yaml.safe_load(f)["version"]) == __version__, "set PulumiPolicy.yaml's version to preflight.__version__"
    with open(os.path.join(ROOT, "pyproject.toml"), encoding="utf-8") as f:
        pyproject = f.read()
    assert 'dynamic = ["version"]' in pyproject and 'version = {attr = "preflight.__version__"}' in pyproject
    with open(os.path.join(ROOT, "CHANGELOG.md"), encoding="utf-8") as f:
        releases = re.findall(r"^## \[?(\d+\.\d+\.\d+)\]?", f.read(), re.M)
    assert releases and releases[0] == __version__, "CHANGELOG.md's newest release must be the current version"


def test_pre_commit_hook_runs_preflight_check():
    import yaml
    with open(os.path.join(ROOT, ".pre-commit-hooks.yaml"), encoding="utf-8") as f:
        hooks = yaml.safe_load(f)
    by_id = {h["id"]: h for h in hooks}
    hook = by_id["preflight-check"]
    assert hook["entry"].split()[:2] == ["preflight", "check"] and hook["language"] == "python"
    assert hook["pass_filenames"] is False
