"""How check runs a program: its environment, its process group, time limits, toolchains, and errors that
say whose fault they are. Every case runs the CLI as a subprocess, as a user does."""
import json
import os
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT, processes_with, write_project


def preflight(*args, env=None, timeout=300):
    return subprocess.run([sys.executable, "-m", "preflight", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})


def recorded(tmp_path, *extra, stack="prod", env=None):
    rec = tmp_path / "recording.json"
    proc = preflight("check", str(tmp_path), "--stack", stack, "--format", "json", "--save-recording", str(rec),
                     *extra, env=env)
    return proc, (json.loads(rec.read_text()) if rec.exists() else None)


def test_program_gets_no_credentials_or_tokens(tmp_path):
    write_project(tmp_path, """
        import os
        import pulumi_aws as aws
        import boto3, botocore.exceptions
        try:
            boto3.client("sts", region_name="us-east-1").get_caller_identity()
            outcome = "reached AWS"
        except botocore.exceptions.NoCredentialsError:
            outcome = "no credentials"
        names = sorted(k for k in os.environ if k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE",
                       "PULUMI_ACCESS_TOKEN", "GITHUB_TOKEN", "MY_SERVICE_PASSWORD"))
        aws.sqs.Queue("q", tags={"env": ",".join(names) or "none", "boto3": outcome})
    """)
    proc, rec = recorded(tmp_path, env={"AWS_ACCESS_KEY_ID": "AKIAFAKEFAKEFAKEFAKE", "AWS_SECRET_ACCESS_KEY": "x" * 40,
                                        "AWS_PROFILE": "prod-admin", "PULUMI_ACCESS_TOKEN": "pul-123",
                                        "GITHUB_TOKEN": "ghp_x", "MY_SERVICE_PASSWORD": "hunter2"})
    assert proc.returncode in (0, 1), proc.stderr
    [q] = rec["resources"]
    assert q["props"]["tags"] == {"env": "none", "boto3": "no credentials"}


def test_background_child_is_ended_and_not_waited_for(tmp_path):
    marker = f"preflight-bg-{os.getpid()}-{time.time_ns()}"
    write_project(tmp_path, f"""
        import subprocess, sys
        import pulumi_aws as aws
        # A child that keeps stdout open for minutes.
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", "{marker}"])
        aws.sqs.Queue("q")
    """, stack="dev")
    proc = preflight("check", str(tmp_path), "--stack", "dev", "--format", "json", timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["resources"] == 1
    deadline = time.time() + 10
    while processes_with(marker) and time.time() < deadline:
        time.sleep(0.2)
    assert not processes_with(marker)


def test_timeout_ends_the_program_and_says_so(tmp_path):
    marker = f"preflight-slow-{os.getpid()}-{time.time_ns()}"
    write_project(tmp_path, f"""
        import subprocess, sys, time
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", "{marker}"])
        time.sleep(600)
    """)
    proc = preflight("check", str(tmp_path), "--stack", "prod", "--timeout", "3", timeout=120)
    assert proc.returncode == 2
    assert "did not finish within 3 seconds" in proc.stderr and "--timeout" in proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    deadline = time.time() + 10
    while processes_with(marker) and time.time() < deadline:
        time.sleep(0.2)
    assert not processes_with(marker)


def test_sys_exit_before_any_resource_does_not_pass_silently(tmp_path):
    write_project(tmp_path, """
        import sys
        import pulumi_aws as aws
        sys.exit(0)
        aws.s3.Bucket("never")
    """)
    proc = preflight("check", str(tmp_path), "--stack", "prod", "--format", "json")
    doc = json.loads(proc.stdout)
    assert doc["resources"] == 0
    assert any("registered no resources" in w for w in doc["warnings"])
    assert any("sys.exit(0)" in w for w in doc["warnings"])
    table = preflight("check", str(tmp_path), "--stack", "prod").stdout
    assert "NOTHING CHECKED" in table and "PASSED" not in table


def test_error_in_the_programs_own_code(tmp_path):
    write_project(tmp_path, """
        import pulumi
        raise ValueError("bucket name must be set with `pulumi config set bucket`")
    """)
    proc = preflight("check", str(tmp_path), "--stack", "prod")
    assert proc.returncode == 2
    assert "its own code" in proc.stderr and "fails the same way under `pulumi preview`" in proc.stderr
    assert "__main__.py" in proc.stderr and "runner.py" not in proc.stderr and "preflight/check" not in proc.stderr


def test_error_inside_a_library_is_not_blamed_on_the_program(tmp_path):
    venv = tmp_path / "venv"
    pkg = venv / "lib" / "python3" / "site-packages"
    pkg.mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (pkg / "vendored_helper.py").write_text("def load():\n    raise KeyError('region')\n")
    write_project(tmp_path, f"""
        import sys
        sys.path.insert(0, {str(pkg)!r})
        import vendored_helper
        vendored_helper.load()
    """)
    proc = preflight("check", str(tmp_path), "--stack", "prod")
    assert proc.returncode == 2
    assert "fails the same way" not in proc.stderr and "a library the Pulumi program calls" in proc.stderr
    # The traceback starts at the program's own frame; the virtualenv inside the project is not "the program".
    lines = proc.stderr.splitlines()
    frames = [line for line in lines if line.strip().startswith('File "')]
    assert frames[0].strip().startswith(f'File "{tmp_path}/__main__.py"')
    assert "runner.py" not in proc.stderr


def test_undecryptable_secret_read_as_plain_text_blames_the_engine(tmp_path):
    write_project(tmp_path, """
        import pulumi
        port = int(pulumi.Config().require("dbPort"))
    """, config={"aws:region": "us-east-1", "app:dbPort": {"secure": "v1:AAAAAAAAAAAAAAAA:AAAA"}})
    with open(tmp_path / "Pulumi.prod.yaml", "a") as f:
        f.write("encryptionsalt: v1:ThS5UPxP9qc=:v1:UZYAXF+ylaJ0rGhv:9OTvBnOEDFgxs7btjzSu+LZ470vLpg==\n")
    proc = subprocess.run([sys.executable, "-m", "preflight", "check", str(tmp_path), "--stack", "prod"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300,
                          env={k: v for k, v in os.environ.items() if not k.startswith("PULUMI_CONFIG_PASSPHRASE")})
    assert proc.returncode == 2
    assert "offline engine" in proc.stderr and "PULUMI_CONFIG_PASSPHRASE" in proc.stderr
    assert "fails the same way" not in proc.stderr
    assert "[secret]" not in proc.stderr.split("The error:")[0]


def test_missing_virtualenv_falls_back_with_a_warning(tmp_path):
    write_project(tmp_path, "import pulumi_aws as aws\naws.sqs.Queue('q')\n", stack="dev")
    (tmp_path / "Pulumi.yaml").write_text("name: app\nruntime:\n  name: python\n  options:\n    virtualenv: venv\n")
    proc = preflight("check", str(tmp_path), "--stack", "dev", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["resources"] == 1
    assert any("virtualenv venv" in w and "does not exist" in w for w in doc["warnings"])


@pytest.mark.parametrize("tool", ["poetry", "uv"])
def test_toolchain_missing_tool_is_one_line_naming_the_fix(tmp_path, tool):
    write_project(tmp_path, "import pulumi\n")
    (tmp_path / "Pulumi.yaml").write_text(f"name: app\nruntime:\n  name: python\n  options:\n    toolchain: {tool}\n")
    bare = tmp_path / "bin"
    bare.mkdir()
    proc = preflight("check", str(tmp_path), "--stack", "prod", env={"PATH": str(bare)})
    assert proc.returncode == 2
    assert proc.stderr.startswith("preflight check: error:") and len(proc.stderr.strip().splitlines()) == 1
    assert f"toolchain: {tool}" in proc.stderr and "install" in proc.stderr


def test_uv_toolchain_uses_the_project_dot_venv(tmp_path):
    write_project(tmp_path, "import pulumi_aws as aws\naws.sqs.Queue('q')\n", stack="dev")
    (tmp_path / "Pulumi.yaml").write_text("name: app\nruntime:\n  name: python\n  options:\n    toolchain: uv\n")
    bindir = tmp_path / ".venv" / "bin"
    bindir.mkdir(parents=True)
    marker = tmp_path / "uv-venv-was-used"
    (bindir / "python").write_text(f"#!/bin/sh\ntouch {marker}\nexec {sys.executable} \"$@\"\n")
    (bindir / "python").chmod(0o755)
    proc = preflight("check", str(tmp_path), "--stack", "dev", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert marker.exists()


def test_poetry_toolchain_asks_poetry_for_its_interpreter(tmp_path):
    write_project(tmp_path, "import pulumi_aws as aws\naws.sqs.Queue('q')\n", stack="dev")
    (tmp_path / "Pulumi.yaml").write_text("name: app\nruntime:\n  name: python\n  options:\n    toolchain: poetry\n")
    bindir = tmp_path / "tools"
    bindir.mkdir()
    marker = tmp_path / "poetry-env-was-used"
    py = tmp_path / "poetry-python"
    py.write_text(f"#!/bin/sh\ntouch {marker}\nexec {sys.executable} \"$@\"\n")
    py.chmod(0o755)
    (bindir / "poetry").write_text(f"#!/bin/sh\n[ \"$1 $2 $3\" = 'env info --executable' ] && echo {py}\n")
    (bindir / "poetry").chmod(0o755)
    proc = preflight("check", str(tmp_path), "--stack", "dev", "--format", "json",
                     env={"PATH": f"{bindir}:{os.environ['PATH']}"})
    assert proc.returncode == 0, proc.stderr
    assert marker.exists()


@pytest.mark.parametrize("content,expected", [
    ("{not json", "not valid JSON"),
    ('["a"]', "must be an object of stack names"),
    ('{"acme/net/prod": {"outputs": {}, "secretOutputNames": "x"}}', "secretOutputNames must be a list"),
])
def test_bad_stack_outputs_file(tmp_path, content, expected):
    write_project(tmp_path, "import pulumi\n")
    (tmp_path / "outputs.json").write_text(content)
    proc = preflight("check", str(tmp_path), "--stack", "prod", "--stack-outputs", str(tmp_path / "outputs.json"))
    assert proc.returncode == 2 and expected in proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_bad_timeout(tmp_path):
    write_project(tmp_path, "import pulumi\n")
    proc = preflight("check", str(tmp_path), "--stack", "prod", "--timeout", "0")
    assert proc.returncode == 2 and "--timeout" in proc.stderr and "Traceback" not in proc.stderr


def test_sdk_attribute_error_on_preflights_interpreter_mentions_versions(tmp_path):
    write_project(tmp_path, "import pulumi_aws as aws\naws.ec2.get_subnet_ids(vpc_id='vpc-1')\n")  # gone in pulumi-aws 6
    proc = preflight("check", str(tmp_path), "--stack", "prod")
    assert proc.returncode == 2
    assert "fails the same way" not in proc.stderr
    assert "pulumi-aws 7." in proc.stderr and "virtualenv" in proc.stderr


def test_a_long_run_says_so_on_stderr(tmp_path):
    write_project(tmp_path, "import time\nimport pulumi_aws as aws\ntime.sleep(33)\naws.sqs.Queue('q')\n", stack="dev")
    proc = preflight("check", str(tmp_path), "--stack", "dev", "--format", "json", "--timeout", "120")
    assert proc.returncode == 0, proc.stderr
    assert "still running after 30s (limit: --timeout 120s)" in proc.stderr
    assert json.loads(proc.stdout)["resources"] == 1
