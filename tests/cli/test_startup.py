"""The CLI imports only the command it runs: `preflight --help` loads no command module."""
import argparse
import subprocess
import sys

from preflight import cli
from tests.conftest import ROOT


def _registered_help(module_name):
    import importlib
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers()
    importlib.import_module(module_name).register(sub)
    return {a.dest: a.help for a in sub._choices_actions}


def test_help_lines_equal_what_the_modules_register():
    modules = {m for _, m, _ in cli.COMMANDS}
    registered = {}
    for m in modules:
        registered.update({name: (m, h) for name, h in _registered_help(m).items()})
    assert registered == {name: (m, h) for name, m, h in cli.COMMANDS}


def test_help_imports_no_command_module():
    code = ("import sys; from preflight import cli\n"
            "try:\n    cli.main(['--help'])\nexcept SystemExit:\n    pass\n"
            "heavy = sorted(m for m in sys.modules if m.startswith(('preflight.check', 'preflight.gate', "
            "'preflight.audit', 'preflight.policies', 'grpc', 'boto3', 'pulumi')))\n"
            "print('HEAVY', heavy)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "HEAVY []" in proc.stdout and "pack-path" in proc.stdout


def test_each_command_still_parses_its_own_options():
    proc = subprocess.run([sys.executable, "-m", "preflight", "gate", "--help"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0 and "--approvals" in proc.stdout
    proc = subprocess.run([sys.executable, "-m", "preflight", "chek"], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 2 and "invalid choice" in proc.stderr and "Traceback" not in proc.stderr
