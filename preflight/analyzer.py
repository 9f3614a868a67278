"""Start a policy pack as the Pulumi CLI does and speak to it over the Analyzer gRPC protocol.

The CLI runs `python -u -m pulumi.policy <engine-address> <pack-dir>` with the stack's
PULUMI_CONFIG / PULUMI_PROJECT / PULUMI_STACK / PULUMI_DRY_RUN / PULUMI_ORGANIZATION in the
environment, reads the port the pack prints, then calls GetAnalyzerInfo, Configure (the policy
config reconciled with each policy's defaults), ConfigureStack, Analyze per resource and
AnalyzeStack once. PolicyPack does the same; nothing here imports the pack's code.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Mapping, Optional

# gRPC core logs connection events (a GOAWAY when the pack exits) to stderr at INFO; keep stderr to
# what Preflight says. Read when grpc loads, so it is set before the import.
os.environ.setdefault("GRPC_VERBOSITY", "ERROR")

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime import proto
from pulumi.runtime.proto import analyzer_pb2_grpc

from .errors import UsageError

LEVEL_NAMES = {proto.ADVISORY: "advisory", proto.MANDATORY: "mandatory", proto.DISABLED: "disabled",
               proto.REMEDIATE: "remediate"}
LEVEL_VALUES = {v: k for k, v in LEVEL_NAMES.items()}
SEVERITY_NAMES = {proto.POLICY_SEVERITY_UNSPECIFIED: "", proto.POLICY_SEVERITY_LOW: "low",
                  proto.POLICY_SEVERITY_MEDIUM: "medium", proto.POLICY_SEVERITY_HIGH: "high",
                  proto.POLICY_SEVERITY_CRITICAL: "critical"}
_MAX_MESSAGE = 1024 * 1024 * 400


class PackStartError(UsageError):
    """The policy pack did not start; the message carries its own error output."""


def pack_python(pack_dir: str) -> str:
    """The interpreter the CLI would use: the pack's virtualenv when it has one, else ours."""
    venv = _pack_virtualenv(pack_dir)
    if venv:
        for candidate in (os.path.join(venv, "bin", "python"), os.path.join(venv, "Scripts", "python.exe")):
            if os.path.exists(candidate):
                return candidate
    return sys.executable


def _pack_virtualenv(pack_dir: str) -> Optional[str]:
    path = os.path.join(pack_dir, "PulumiPolicy.yaml")
    try:
        import yaml
        with open(path, encoding="utf-8") as f:
            doc = yaml.safe_load(f) or {}
    except (OSError, ValueError):
        return None
    runtime = doc.get("runtime") if isinstance(doc, dict) else None
    if isinstance(runtime, dict):
        venv = (runtime.get("options") or {}).get("virtualenv")
        if isinstance(venv, str) and venv:
            return venv if os.path.isabs(venv) else os.path.join(pack_dir, venv)
    return None


@dataclass
class StackContext:
    project: str
    stack: str
    config: Mapping[str, str] = field(default_factory=dict)  # "ns:key" -> string, as PULUMI_CONFIG
    secret_keys: List[str] = field(default_factory=list)
    organization: str = "organization"
    dry_run: bool = True
    tags: Mapping[str, str] = field(default_factory=dict)


def to_struct(props: Mapping[str, Any]) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(dict(props))
    return s


def _options(res: Mapping[str, Any]) -> proto.AnalyzerResourceOptions:
    opts = proto.AnalyzerResourceOptions(
        protect=bool(res.get("protect", False)),
        ignoreChanges=list(res.get("ignoreChanges") or []),
        additionalSecretOutputs=list(res.get("additionalSecretOutputs") or []),
        aliases=list(res.get("aliases") or []),
        parent=res.get("parent") or "",
    )
    # Recorded resources say whether the program set it; hand-built ones by giving a value at all.
    delete_before_replace = res.get("deleteBeforeReplace")
    if res.get("deleteBeforeReplaceDefined", delete_before_replace is not None):
        opts.deleteBeforeReplace = bool(delete_before_replace)
        opts.deleteBeforeReplaceDefined = True
    return opts


def _provider(res: Mapping[str, Any]) -> Optional[proto.AnalyzerProviderResource]:
    p = res.get("providerResource")
    if not p:
        return None
    return proto.AnalyzerProviderResource(type=p["type"], name=p["name"], urn=p["urn"],
                                          properties=to_struct(p.get("props") or {}))


def default_urn(stack: str, project: str, type_: str, name: str) -> str:
    return f"urn:pulumi:{stack}::{project}::{type_}::{name}"


class PolicyPackProcess:
    """A running policy pack. Use as a context manager: the process is always shut down."""

    def __init__(self, pack_dir: str, context: StackContext, python: Optional[str] = None,
                 start_timeout: float = 60.0):
        self.pack_dir = os.path.abspath(pack_dir)
        self.context = context
        self.python = python or pack_python(self.pack_dir)
        self.start_timeout = start_timeout
        self.process: Optional[subprocess.Popen] = None
        self.channel: Optional[grpc.Channel] = None
        self.stub: Optional[analyzer_pb2_grpc.AnalyzerStub] = None
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 -- outlives the process: stderr_tail() reads it after close()
        self.info: Optional[proto.AnalyzerInfo] = None
        self.startup_seconds = 0.0
        self._launched = 0.0
        self._launch_error: Optional[PackStartError] = None
        self._port_reader: Optional[threading.Thread] = None
        self._port_read = threading.Event()  # the first line is read
        self._connected = threading.Event()  # the channel is ready, or gave up
        self._port_line: Dict[str, Any] = {}
        self._lock = threading.Lock()
        self._closed = False

    # -- lifecycle -----------------------------------------------------------------------------
    def __enter__(self) -> "PolicyPackProcess":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self) -> None:
        self.launch()
        self.wait_ready()

    def launch(self) -> None:
        """Start the pack's process and return at once; a thread reads the port it prints and connects, and
        wait_ready() waits for that. Lets a caller do other work (`preflight check` runs the program) while the
        pack starts. A failure to start is raised by wait_ready()."""
        if not os.path.isfile(os.path.join(self.pack_dir, "PulumiPolicy.yaml")):
            raise PackStartError(f"{self.pack_dir} is not a policy pack (no PulumiPolicy.yaml); pass the "
                                 f"pack's directory with --policy-pack")
        env = dict(os.environ)
        env.update({
            "PULUMI_CONFIG": json.dumps(dict(self.context.config)),
            "PULUMI_CONFIG_SECRET_KEYS": json.dumps(list(self.context.secret_keys)),
            "PULUMI_PROJECT": self.context.project,
            "PULUMI_STACK": self.context.stack,
            "PULUMI_ORGANIZATION": self.context.organization,
            "PULUMI_DRY_RUN": "true" if self.context.dry_run else "false",
            "PYTHONUNBUFFERED": "1",
        })
        self._launched = time.perf_counter()
        try:
            self.process = subprocess.Popen(
                self.command(),
                cwd=self.pack_dir, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=self._stderr)
        except OSError as e:
            self._launch_error = PackStartError(f"could not run the policy pack with {self.python}: {e}; "
                                                f"check the pack's virtualenv or install Preflight's dependencies")
            self._launch_error.__cause__ = e
            return
        self._port_reader = threading.Thread(target=self._connect, args=(self.process,), daemon=True)
        self._port_reader.start()

    def _connect(self, process: subprocess.Popen) -> None:
        """Read the port (the first line the pack prints; the rest is drained so that it never blocks on a full
        pipe), then open the channel and wait (start_timeout) for the pack to answer on it. Connecting here, not in
        wait_ready(), also lets grpc's connectivity poller finish before close(), which otherwise waits for it."""
        assert process.stdout is not None
        line = process.stdout.readline()
        self._port_line.update(line=line, at=time.perf_counter())
        self._port_read.set()
        try:
            port = int(line.strip())
            threading.Thread(target=self._drain_stdout, daemon=True).start()
            with self._lock:
                if self._closed:
                    return
                channel = self.channel = grpc.insecure_channel(f"127.0.0.1:{port}", options=[
                    ("grpc.max_receive_message_length", _MAX_MESSAGE),
                    ("grpc.max_send_message_length", _MAX_MESSAGE)])
            grpc.channel_ready_future(channel).result(timeout=self.start_timeout)
            self._port_line["ready"] = time.perf_counter()
        except Exception:  # noqa: BLE001 -- not a port, no answer, or closed meanwhile: wait_ready() reports it
            pass
        finally:
            self._connected.set()

    def wait_ready(self) -> None:
        """Wait (up to start_timeout from launch()) for the port the pack prints, and (up to start_timeout more)
        for the pack to answer on it."""
        if self._launch_error is not None:
            raise self._launch_error
        if self.stub is not None:
            return
        port = self._read_port()
        self._connected.wait(self.start_timeout + 1.0)
        if "ready" not in self._port_line:
            self.close()
            raise PackStartError(f"the policy pack printed port {port} but did not answer on it") from None
        self.stub = analyzer_pb2_grpc.AnalyzerStub(self.channel)
        # From launch to answering: the pack's own start-up, whatever the caller did meanwhile.
        self.startup_seconds = self._port_line["ready"] - self._launched

    def command(self) -> List[str]:
        """The command the CLI runs for a Python pack (`<engine-address> <pack-dir>`, no engine here)."""
        return [self.python, "-u", "-m", "pulumi.policy", "127.0.0.1:0", self.pack_dir]

    def _read_port(self) -> int:
        assert self.process is not None and self._port_reader is not None
        self._port_read.wait(max(0.0, self._launched + self.start_timeout - time.perf_counter()))
        line = self._port_line.get("line", b"")
        try:
            port = int(line.strip())
        except ValueError:
            self.close()
            detail = self.stderr_tail() or (line.decode(errors="replace").strip() or "no output")
            raise PackStartError(
                "the policy pack failed to start: " + detail.splitlines()[-1][:500]
                + f"\n  (run `{self.python} -m pulumi.policy 127.0.0.1:0 {self.pack_dir}` to see its full output; "
                "install the pack's requirements.txt into that interpreter if a module is missing)") from None
        return port

    def _drain_stdout(self) -> None:
        try:
            while self.process and self.process.stdout and self.process.stdout.read(65536):
                pass
        except (OSError, ValueError):
            pass

    def stderr_tail(self, limit: int = 4000) -> str:
        try:
            self._stderr.seek(0)
            return self._stderr.read().decode(errors="replace")[-limit:].strip()
        except (OSError, ValueError):
            return ""

    def close(self) -> None:
        with self._lock:
            self._closed = True
            channel, self.channel = self.channel, None
        proc, self.process = self.process, None
        running = proc is not None and proc.poll() is None
        if running:
            # Asked to stop first: the pack's shutdown then overlaps with closing the channel, which waits for
            # grpc's connectivity poller (up to 0.2 s after connecting).
            proc.terminate()
        if channel is not None:
            channel.close()
        if running:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc is not None and proc.stdout is not None:
            proc.stdout.close()

    # -- protocol ------------------------------------------------------------------------------
    def get_info(self) -> proto.AnalyzerInfo:
        self.info = self.stub.GetAnalyzerInfo(empty_pb2.Empty())
        return self.info

    def configure(self, policy_config: Optional[Mapping[str, Any]] = None) -> Dict[str, Dict[str, Any]]:
        """Reconcile the user's --policy-pack-config with the pack's defaults, as the CLI does, and send it.

        Returns the effective {policy: {"enforcementLevel": ..., props...}}.
        """
        info = self.info or self.get_info()
        effective = reconcile_config(info, policy_config or {})
        request = proto.ConfigureAnalyzerRequest()
        for name, conf in effective.items():
            props = {k: v for k, v in conf.items() if k != "enforcementLevel"}
            pc = proto.PolicyConfig(enforcementLevel=LEVEL_VALUES[conf["enforcementLevel"]],
                                    properties=to_struct(props))
            request.policyConfig[name].CopyFrom(pc)
        self.stub.Configure(request)
        return effective

    def configure_stack(self) -> None:
        c = self.context
        request = proto.AnalyzerStackConfigureRequest(
            stack=c.stack, project=c.project, organization=c.organization, dry_run=c.dry_run,
            config_secret_keys=list(c.secret_keys))
        for k, v in c.config.items():
            request.config[k] = v
        for k, v in c.tags.items():
            request.tags[k] = v
        try:
            self.stub.ConfigureStack(request)
        except grpc.RpcError as e:
            if e.code() != grpc.StatusCode.UNIMPLEMENTED:  # older packs don't implement it
                raise

    def analyze_request(self, res: Mapping[str, Any]) -> proto.AnalyzeRequest:
        req = proto.AnalyzeRequest(
            type=res["type"], name=res["name"],
            urn=res.get("urn") or default_urn(self.context.stack, self.context.project, res["type"], res["name"]),
            properties=to_struct(res.get("props") or {}), options=_options(res))
        provider = _provider(res)
        if provider is not None:
            req.provider.CopyFrom(provider)
        return req

    def analyze(self, res: Mapping[str, Any]) -> proto.AnalyzeResponse:
        return self.stub.Analyze(self.analyze_request(res))

    def analyze_stack_request(self, resources: Iterable[Mapping[str, Any]]) -> proto.AnalyzeStackRequest:
        request = proto.AnalyzeStackRequest()
        for res in resources:
            r = proto.AnalyzerResource(
                type=res["type"], name=res["name"],
                urn=res.get("urn") or default_urn(self.context.stack, self.context.project, res["type"], res["name"]),
                properties=to_struct(res.get("props") or {}), options=_options(res),
                parent=res.get("parent") or "", dependencies=list(res.get("dependencies") or []))
            for k, urns in (res.get("propertyDependencies") or {}).items():
                r.propertyDependencies[k].urns.extend(urns)
            provider = _provider(res)
            if provider is not None:
                r.provider.CopyFrom(provider)
            request.resources.append(r)
        return request

    def analyze_stack(self, resources: Iterable[Mapping[str, Any]]) -> proto.AnalyzeResponse:
        return self.stub.AnalyzeStack(self.analyze_stack_request(resources))


def reconcile_config(info: proto.AnalyzerInfo, user_config: Mapping[str, Any]) -> Dict[str, Dict[str, Any]]:
    """Every policy's effective config: its default level and schema defaults, overridden by the user's.

    User config follows `pulumi preview --policy-pack-config`: {"all": level?, policy: level | {...}}.
    Unknown policy names and wrongly-typed values are errors, as they are for the CLI.
    """
    known = {p.name: p for p in info.policies}
    unknown = [k for k in user_config if k not in known and k != "all"]
    if unknown:
        raise UsageError(f"policy pack config names unknown policies: {', '.join(sorted(unknown))}; run "
                         f"`preflight policies` for the names")
    all_level = user_config.get("all")
    if isinstance(all_level, dict):
        all_level = all_level.get("enforcementLevel")
    if all_level is not None and all_level not in LEVEL_VALUES:
        raise UsageError(f"policy pack config 'all' has level {all_level!r}; use advisory, mandatory or disabled")
    effective: Dict[str, Dict[str, Any]] = {}
    for name, p in known.items():
        schema = json_format.MessageToDict(p.configSchema.properties) if p.HasField("configSchema") else {}
        conf: Dict[str, Any] = {k: v["default"] for k, v in schema.items() if isinstance(v, dict) and "default" in v}
        conf["enforcementLevel"] = all_level or LEVEL_NAMES[p.enforcementLevel]
        user = user_config.get(name)
        if isinstance(user, str):
            conf["enforcementLevel"] = user
        elif isinstance(user, dict):
            for k, v in user.items():
                if k != "enforcementLevel" and k not in schema:
                    raise UsageError(f"policy pack config for {name!r} has unknown property {k!r}; "
                                     f"known: {', '.join(['enforcementLevel', *schema]) }")
                if k != "enforcementLevel":
                    _check_type(name, k, v, schema[k])
                conf[k] = v
        elif user is not None:
            raise UsageError(f"policy pack config for {name!r} must be a level or an object, not {user!r}")
        if conf["enforcementLevel"] not in LEVEL_VALUES:
            raise UsageError(f"policy pack config for {name!r} has level {conf['enforcementLevel']!r}; use "
                             f"advisory, mandatory or disabled")
        effective[name] = conf
    return effective


_JSON_TYPES = {"string": str, "array": list, "object": dict, "boolean": bool, "integer": int, "number": (int, float)}


def _check_type(policy: str, key: str, value: Any, schema: Mapping[str, Any]) -> None:
    expected = _JSON_TYPES.get(schema.get("type", ""))
    if expected is None:
        return
    if isinstance(value, bool) and schema.get("type") in ("integer", "number"):
        ok = False
    else:
        ok = isinstance(value, expected)
    if not ok:
        raise UsageError(f"policy pack config {policy}.{key} must be a {schema['type']}, not {value!r}")
