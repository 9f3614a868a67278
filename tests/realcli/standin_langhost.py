"""A stand-in `pulumi-language-python` for the real-CLI tests.

Pulumi's Python language host is a separate Go module with no tags, and the module proxy on CI
machines refuses it (403), so the CLI built by scripts/build-pulumi-cli.sh has no Python host.
This one implements what `pulumi preview/up` and `--policy-pack DIR` need, the way Pulumi's host
does it (sdk/python/cmd/pulumi-language-python/main.go, sdk/policy_proxy.go):

- Run: `<python> pulumi-language-python-exec --monitor ... --dry_run true|false ... <entry>` (the
  exec script from the sdk/v3 module, found next to `pulumi`), with PULUMI_CONFIG and
  PULUMI_CONFIG_SECRET_KEYS; exit code 32 means "error already shown" (bail).
- RunPlugin (kind analyzer): serves a proxy Analyzer, prints *its* port, waits for ConfigureStack,
  then starts `<pack python> -u -m pulumi.policy <engine args> <packDir>` with PULUMI_ORGANIZATION,
  PULUMI_PROJECT, PULUMI_STACK, PULUMI_DRY_RUN and PULUMI_CONFIG set from that request, and
  forwards every Analyzer call to it.
- The pack's interpreter: `<packDir>/<virtualenv>/bin/python` when PulumiPolicy.yaml sets the
  `virtualenv` option (the host never creates it for a local pack), else PULUMI_PYTHON_CMD, else
  this interpreter.
- GetRequiredPlugins/Packages answer nothing: plugins then load lazily at the version each
  registration asks for.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from concurrent import futures

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import analyzer_pb2, language_pb2, language_pb2_grpc, plugin_pb2

HERE = os.path.dirname(os.path.abspath(__file__))
VERSION = os.environ.get("PREFLIGHT_STANDIN_HOST_VERSION", "3.276.0")


def _exec_script() -> str:
    for d in (os.environ.get("PREFLIGHT_PULUMI_BIN", ""), os.path.dirname(os.path.realpath(sys.argv[0]))):
        p = os.path.join(d, "pulumi-language-python-exec")
        if d and os.path.isfile(p):
            return p
    raise RuntimeError("pulumi-language-python-exec not found next to pulumi (set PREFLIGHT_PULUMI_BIN)")


def _python(info, base_dir: str) -> str:
    opts = dict(info.options) if info is not None and info.HasField("options") else {}
    venv = opts.get("virtualenv")
    if venv:
        venv = venv if os.path.isabs(venv) else os.path.join(base_dir, venv)
        return os.path.join(venv, "bin", "python")
    return os.environ.get("PULUMI_PYTHON_CMD") or sys.executable


class _AnalyzerProxy:
    """Answers Handshake itself, starts the pack at ConfigureStack, forwards the rest as raw bytes."""

    METHODS = [m.name for m in analyzer_pb2.DESCRIPTOR.services_by_name["Analyzer"].methods]

    def __init__(self, command, cwd, env):
        self.command, self.cwd, self.env = command, cwd, env
        self.proc = None
        self.channel = None
        self.lock = threading.Lock()
        self.handshake = None
        self.started = threading.Event()
        self.exited = threading.Event()
        self.output = []  # ("stdout"|"stderr", bytes) for the RunPlugin stream

    def start(self, stack_env):
        with self.lock:
            if self.proc is not None:
                return
            env = dict(self.env)
            env.update(stack_env)
            self.proc = subprocess.Popen(self.command, cwd=self.cwd, env=env,
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            port_line = self.proc.stdout.readline()
            threading.Thread(target=self._pump, args=(self.proc.stderr, "stderr"), daemon=True).start()
            threading.Thread(target=self._pump, args=(self.proc.stdout, "stdout"), daemon=True).start()
            threading.Thread(target=self._wait, daemon=True).start()
            try:
                port = int(port_line.strip())
            except ValueError:
                raise RuntimeError(f"policy pack wrote an invalid port to stdout: {port_line!r}") from None
            self.channel = grpc.insecure_channel(f"127.0.0.1:{port}", options=[
                ("grpc.max_receive_message_length", 400 * 1024 * 1024)])
            grpc.channel_ready_future(self.channel).result(timeout=30)
            if self.handshake is not None:
                try:
                    self._call("Handshake", self.handshake)
                except grpc.RpcError:
                    pass
            self.started.set()

    def _pump(self, stream, kind):
        for chunk in iter(lambda: stream.read1(65536), b""):
            self.output.append((kind, chunk))

    def _wait(self):
        self.proc.wait()
        self.exited.set()

    def _call(self, method, payload: bytes) -> bytes:
        fn = self.channel.unary_unary(f"/pulumirpc.Analyzer/{method}")
        return fn(payload)

    def handler(self):
        proxy = self

        def make(method):
            def unary(request: bytes, context):
                if method == "Handshake" and proxy.proc is None:
                    proxy.handshake = request
                    return analyzer_pb2.AnalyzerHandshakeResponse().SerializeToString()
                if method == "ConfigureStack" and proxy.proc is None:
                    req = analyzer_pb2.AnalyzerStackConfigureRequest.FromString(request)
                    proxy.start({
                        "PULUMI_ORGANIZATION": req.organization, "PULUMI_PROJECT": req.project,
                        "PULUMI_STACK": req.stack, "PULUMI_DRY_RUN": "true" if req.dry_run else "false",
                        "PULUMI_CONFIG": json.dumps(dict(req.config)),
                    })
                elif proxy.proc is None:
                    proxy.start({})
                try:
                    return proxy._call(method, request)
                except grpc.RpcError as e:
                    context.abort(e.code(), e.details())
            return grpc.unary_unary_rpc_method_handler(unary)

        return grpc.method_handlers_generic_handler(
            "pulumirpc.Analyzer", {m: make(m) for m in self.METHODS})

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()


class StandInPythonHost(language_pb2_grpc.LanguageRuntimeServicer):
    def __init__(self, engine: str):
        self.engine = engine

    def Handshake(self, request, context):
        if request.engine_address:
            self.engine = request.engine_address
        return language_pb2.LanguageHandshakeResponse()

    def GetPluginInfo(self, request, context):
        return plugin_pb2.PluginInfo(version=VERSION)

    def GetRequiredPlugins(self, request, context):
        return language_pb2.GetRequiredPluginsResponse()

    def GetRequiredPackages(self, request, context):
        return language_pb2.GetRequiredPackagesResponse()

    def InstallDependencies(self, request, context):
        return iter(())

    def About(self, request, context):
        return language_pb2.AboutResponse(executable=sys.executable, version=sys.version.split()[0])

    def GetProgramDependencies(self, request, context):
        return language_pb2.GetProgramDependenciesResponse()

    def Cancel(self, request, context):
        return empty_pb2.Empty()

    def Run(self, request, context):
        info = request.info
        root = info.root_directory or request.pwd
        entry = info.entry_point or request.program or "."
        program_dir = info.program_directory or root
        args = [_python(info, root), _exec_script(),
                "--monitor", request.monitor_address, "--engine", self.engine,
                "--project", request.project, "--root_directory", root, "--stack", request.stack,
                "--pwd", request.pwd, "--dry_run", "true" if request.dryRun else "false",
                "--parallel", str(request.parallel or 1)]
        if request.organization:
            args += ["--organization", request.organization]
        args += [entry, *request.args]
        env = dict(os.environ)
        env["PULUMI_CONFIG"] = json.dumps(dict(request.config))
        env["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(list(request.configSecretKeys))
        proc = subprocess.run(args, cwd=program_dir, env=env, stdout=sys.stderr, stderr=subprocess.PIPE)
        if proc.returncode == 0:
            return language_pb2.RunResponse()
        if proc.returncode == 32:
            return language_pb2.RunResponse(bail=True)
        tail = proc.stderr.decode(errors="replace")[-4000:]
        return language_pb2.RunResponse(error=f"Program exited with non-zero exit code: {proc.returncode}\n{tail}")

    def RunPlugin(self, request, context):
        if request.kind != "analyzer":
            context.abort(grpc.StatusCode.UNIMPLEMENTED, f"the stand-in host runs only analyzers, not {request.kind}")
        pack_dir = request.info.program_directory or request.pwd
        python = _python(request.info, pack_dir)
        if not os.path.exists(python):
            context.abort(grpc.StatusCode.FAILED_PRECONDITION,
                          f"the policy pack's virtualenv interpreter {python} does not exist; create it with "
                          f"python3 -m venv and install requirements.txt")
        env = dict(os.environ)
        for kv in request.env:
            k, _, v = kv.partition("=")
            env[k] = v
        command = [python, "-u", "-m", "pulumi.policy", *request.args, pack_dir]
        proxy = _AnalyzerProxy(command, pack_dir, env)
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=8),
                             options=[("grpc.max_receive_message_length", 400 * 1024 * 1024)])
        server.add_generic_rpc_handlers((proxy.handler(),))
        port = server.add_insecure_port("127.0.0.1:0")
        server.start()
        done = threading.Event()
        context.add_callback(done.set)
        yield language_pb2.RunPluginResponse(stdout=f"{port}\n".encode())
        try:
            while not done.is_set():
                while proxy.output:
                    kind, chunk = proxy.output.pop(0)
                    if kind == "stderr":
                        yield language_pb2.RunPluginResponse(stderr=chunk)
                if proxy.exited.is_set() and not proxy.output:
                    break
                done.wait(0.1)
            if proxy.proc is not None and proxy.exited.is_set():
                yield language_pb2.RunPluginResponse(exitcode=proxy.proc.returncode)
        finally:
            proxy.stop()
            server.stop(0)


def main(argv) -> int:
    engine = [a for a in argv if not a.startswith("-")]
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
    language_pb2_grpc.add_LanguageRuntimeServicer_to_server(StandInPythonHost(engine[-1] if engine else ""), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    sys.stdout.write(f"{port}\n")
    sys.stdout.flush()
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stopped.set())
    signal.signal(signal.SIGINT, lambda *a: stopped.set())
    stopped.wait()
    server.stop(0)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
