"""Runs a Pulumi Python program as the Python language host runs it under `pulumi preview`.

Executed as a script by the *project's* interpreter (its virtualenv when Pulumi.yaml names one), so
it imports nothing from Preflight except its sibling `invokes.py`, loaded by path under a private
name (the program's own modules are never shadowed). It writes one JSON document to --out.

How it runs the program (docs/check.md explains why each point holds):
- like `pulumi-language-python-exec`: one event loop created first, the runtime configured with
  `dry_run=True` (so `pulumi.runtime.is_dry_run()` is True), then
  `loop.run_until_complete(run_in_stack(lambda: runpy.run_path(program, run_name="__main__")))`;
- the resource monitor answers on the wire (protobuf in, protobuf out) and never rebuilds Python
  objects on its worker threads, which is what made the SDK's stock mock monitor fail with "attached
  to a different loop";
- a new custom resource comes back as in a preview of a create: URN known, id unknown, the inputs
  echoed (the provider's preview does that), autonamed physical names filled in and known (the
  provider's Check does that before a preview), every other output left out, so the SDK marks it
  unknown.

Exit codes: 0 recorded; 3 the program raised (its error is in the output's "error").
"""
from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import runpy
import sys
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
# A script's folder is sys.path[0]; the program must not import Preflight's modules by accident.
if sys.path and os.path.abspath(sys.path[0] or os.getcwd()) == HERE:
    sys.path.pop(0)

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
SIG = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4"


class EngineLimit(Exception):
    """Something the offline engine cannot answer (not the program's fault); the message says what to do."""


def _load_invokes():
    spec = importlib.util.spec_from_file_location("_preflight_offline_invokes", os.path.join(HERE, "invokes.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _parse_args(argv):
    p = argparse.ArgumentParser()
    p.add_argument("--program", required=True, help="the program file or directory (Pulumi.yaml main)")
    p.add_argument("--project", required=True)
    p.add_argument("--stack", required=True)
    p.add_argument("--organization", default="organization")
    p.add_argument("--root-directory", default="")
    p.add_argument("--input", required=True, help="JSON file: config, secretKeys, unknownSecretKeys, stackOutputs")
    p.add_argument("--out", required=True)
    return p.parse_args(argv)


def _json_or_str(value):
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _strip_refs(value):
    """Resource references as an engine that does not keep resources sends them: the ID of a custom
    resource (unknown for a new one in preview), the URN of a component."""
    if isinstance(value, dict):
        if value.get(SIG) == RESOURCE_SIG:
            if "id" in value:
                ident = value.get("id")
                return ident if isinstance(ident, str) and ident else UNKNOWN
            return value.get("urn", UNKNOWN)
        if value.get(SIG) == OUTPUT_SIG:
            # An output value flattened: unknown unless it carries a value.
            if "value" not in value:
                return UNKNOWN
            inner = _strip_refs(value["value"])
            return {SIG: SECRET_SIG, "value": inner} if value.get("secret") else inner
        return {k: _strip_refs(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_strip_refs(v) for v in value]
    return value


def _unwrap_secrets(value):
    if isinstance(value, dict):
        if value.get(SIG) == SECRET_SIG:
            return _unwrap_secrets(value.get("value"))
        return {k: _unwrap_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unwrap_secrets(v) for v in value]
    return value


def _contains_unknown(value):
    if value == UNKNOWN:
        return True
    if isinstance(value, dict):
        return any(_contains_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(_contains_unknown(v) for v in value)
    return False


def _is_venv(path):
    return os.path.isfile(os.path.join(path, "pyvenv.cfg"))


def _program_frame(filename, program_dir):
    """Is this frame the program's own code (inside its folder, outside any virtualenv or site-packages)?"""
    path = os.path.abspath(filename)
    if not os.path.isfile(path) or not path.startswith(program_dir + os.sep):
        return False
    rel = os.path.relpath(path, program_dir).split(os.sep)
    if "site-packages" in rel or "dist-packages" in rel:
        return False
    current = program_dir
    for part in rel[:-1]:
        current = os.path.join(current, part)
        if _is_venv(current):
            return False
    return True


def _describe_error(error, program_dir, root_dir):
    frames = traceback.extract_tb(error.__traceback__)
    mine = [i for i, f in enumerate(frames)
            if _program_frame(f.filename, program_dir) or (root_dir and _program_frame(f.filename, root_dir))]
    if isinstance(error, EngineLimit):
        origin = "engine"
    elif mine and mine[-1] == len(frames) - 1:
        origin = "program"  # raised by the program's own line
    elif mine:
        origin = "library"  # raised inside a library the program called
    else:
        origin = "engine"
    shown = traceback.StackSummary.from_list(frames[mine[0]:]) if mine else traceback.StackSummary.from_list([])
    text = "".join(["Traceback (most recent call last):\n", *traceback.format_list(shown),
                    *traceback.format_exception_only(type(error), error)]) if mine else \
        "".join(traceback.format_exception_only(type(error), error))
    module = type(error).__module__ or ""
    return {"type": type(error).__name__, "module": module, "message": str(error), "traceback": text,
            "origin": origin}


def main(argv=None) -> int:
    args = _parse_args(argv)
    with open(args.input, encoding="utf-8") as f:
        given = json.load(f)
    config = given["config"]
    secret_keys = given.get("secretKeys", [])
    unknown_secrets = set(given.get("unknownSecretKeys", []))
    stack_outputs = given.get("stackOutputs") or {}

    # The environment the Pulumi language host gives a program.
    os.environ["PULUMI_CONFIG"] = json.dumps(config)
    os.environ["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(secret_keys)
    os.environ["PULUMI_PROJECT"] = args.project
    os.environ["PULUMI_STACK"] = args.stack
    os.environ["PULUMI_ORGANIZATION"] = args.organization
    os.environ["PULUMI_DRY_RUN"] = "true"

    # One loop, created before any Pulumi object exists (as pulumi-language-python-exec does).
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    from concurrent.futures import ThreadPoolExecutor
    loop.set_default_executor(ThreadPoolExecutor(max_workers=40))

    import logging
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    import pulumi
    import pulumi.runtime
    from pulumi.runtime import mocks as pmocks
    from pulumi.runtime import settings as psettings
    from pulumi.runtime.proto import provider_pb2, resource_pb2
    from google.protobuf import empty_pb2, json_format, struct_pb2

    invokes_mod = _load_invokes()
    region = config.get("aws:region") or "us-east-1"
    allowed = _json_or_str(config.get("aws:allowedAccountIds"))
    account = str(allowed[0]) if isinstance(allowed, list) and allowed else "123456789012"
    answers = invokes_mod.Answers(account, region)

    recorded = []
    warnings = []
    remote = []
    references = []
    reads = []
    calls = []  # method calls on components (ResourceCallRequest tokens)
    stack_transforms = []  # Callback messages from RegisterStackTransform, in registration order
    stack_invoke_transforms = []  # Callback messages from RegisterStackInvokeTransform, in registration order
    own_transforms = {}  # urn -> the Callback messages of that resource's own `transforms` option
    parent_of = {}  # urn -> parent urn (the engine walks it to collect the parents' transforms)
    registry = {}  # urn -> (id, outputs dict), for getResource
    used_names = set()  # --stack-outputs entries that answered a reference
    stack_exports = {}

    def struct(d):
        s = struct_pb2.Struct()
        json_format.ParseDict(d, s)
        return s

    def qualified_type(parent, type_):
        if parent:
            parent_type = parent.split("::")[2]
            if parent_type != "pulumi:pulumi:Stack":
                return parent_type + "$" + type_
        return type_

    def make_urn(parent, type_, name):
        return "urn:pulumi:" + "::".join([args.stack, args.project, qualified_type(parent, type_), name])

    def call_back(callback, body, what):
        """Run one of the program's callbacks (they live in its own callback server, in this process) and return
        its response message. On one of the SDK's executor threads, while the program's event loop waits for the
        registration, the callback is scheduled on that loop; on the loop's own thread (a plain invoke waits
        synchronously) it runs on a fresh loop in a helper thread, as the loop cannot be re-entered."""
        from concurrent.futures import ThreadPoolExecutor

        from pulumi.runtime._callbacks import _CallbackServicer
        servicer = next((srv for srv in list(_CallbackServicer._servicers) if srv._target == callback.target), None)
        if servicer is None or callback.token not in servicer._callbacks:
            raise EngineLimit(f"a transform of {what} lives outside this program (callback {callback.target}), "
                              "which the offline engine cannot call")
        coroutine = servicer._callbacks[callback.token](body.SerializeToString())
        try:
            on_loop = asyncio.get_running_loop() is servicer._loop
        except RuntimeError:
            on_loop = False
        if on_loop:
            with ThreadPoolExecutor(max_workers=1) as pool:
                return pool.submit(asyncio.run, coroutine).result()
        return asyncio.run_coroutine_threadsafe(coroutine, servicer._loop).result()

    def run_invoke_transforms(request):
        """The engine runs the stack's invoke transforms on every invoke before calling the provider
        (resmon.Invoke), each on the previous one's output. Returns the (possibly new) args Struct."""
        if not stack_invoke_transforms or request.tok == "pulumi:pulumi:getResource":
            return request.args
        opts = resource_pb2.TransformInvokeOptions(provider=request.provider, version=request.version,
                                                   plugin_download_url=request.pluginDownloadURL)
        args_struct = request.args
        for callback in stack_invoke_transforms:
            body = resource_pb2.TransformInvokeRequest(token=request.tok, args=args_struct, options=opts)
            response = call_back(callback, body, f"invoke {request.tok}")
            if isinstance(response, bytes):
                response = resource_pb2.TransformInvokeResponse.FromString(response)
            if response.HasField("args"):
                args_struct = response.args
            if response.HasField("options"):
                opts = response.options
        return args_struct

    def run_transforms(request, urn):
        """What the engine does before anything else with a registration (resmon.RegisterResource): run the
        resource's own transforms, then its parents' (walking up), then the stack's, each on the output of the
        one before. The callbacks live in the program's own callback server (this process); this runs on one of
        the SDK's executor threads while the program's event loop waits for the registration, so the callback is
        scheduled on that loop. Returns (properties Struct, TransformResourceOptions or None when none ran)."""
        own_transforms[urn] = list(request.transforms)
        parent_of[urn] = request.parent
        chain = list(request.transforms)
        current = request.parent
        while current:
            chain += own_transforms.get(current, [])
            current = parent_of.get(current, "")
        chain += stack_transforms
        if not chain:
            return request.object, None
        opts = resource_pb2.TransformResourceOptions(
            depends_on=list(request.dependencies), ignore_changes=list(request.ignoreChanges),
            replace_on_changes=list(request.replaceOnChanges), version=request.version, provider=request.provider,
            plugin_download_url=request.pluginDownloadURL, deleted_with=request.deletedWith,
            additional_secret_outputs=list(request.additionalSecretOutputs), hide_diff=list(request.hideDiffs),
            **{"import": request.importId})
        opts.providers.update(dict(request.providers))
        if request.HasField("protect"):
            opts.protect = request.protect
        if request.HasField("retainOnDelete"):
            opts.retain_on_delete = request.retainOnDelete
        if request.deleteBeforeReplaceDefined:
            opts.delete_before_replace = request.deleteBeforeReplace
        props = request.object
        for callback in chain:
            body = resource_pb2.TransformRequest(type=request.type, name=request.name, custom=request.custom,
                                                 parent=request.parent, properties=props, options=opts)
            response = call_back(callback, body, urn)  # the SDK's callback returns the response message itself
            if isinstance(response, bytes):
                response = resource_pb2.TransformResponse.FromString(response)
            if response.HasField("properties"):
                props = response.properties
            if response.HasField("options"):
                opts = response.options
        return props, opts

    class PreviewMonitor(pmocks.MockMonitor):
        """The engine and provider as they answer in a preview of new resources, on the wire."""

        def RegisterResource(self, request):
            urn = make_urn(request.parent, request.type, request.name)
            if request.type == "pulumi:pulumi:Stack":
                return resource_pb2.RegisterResourceResponse(urn=urn)
            props_struct, topts = run_transforms(request, urn)
            if topts is not None:
                request = _apply_transform_options(request, props_struct, topts)
            raw = json_format.MessageToDict(request.object)
            props = _strip_refs(raw)
            custom = bool(request.custom)
            autonamed = {}
            if custom and not request.type.startswith("pulumi:providers:"):
                autonamed = invokes_mod.autonames(request.type, request.name, urn, props)
                problem = invokes_mod.autoname_problem(request.type, request.name, urn, props)
                if problem:
                    warnings.append(problem)
            checked = dict(props)
            checked.update(autonamed)
            record = {
                "type": request.type,
                "name": request.name,
                "urn": urn,
                "custom": custom,
                "remote": bool(request.remote),
                "version": request.version,
                "parent": request.parent,
                "props": checked,
                "autonamed": sorted(autonamed),
                "provider": request.provider,
                # The SDK builds these from sets (their order changes from run to run); the engine treats
                # them as sets. Sorted, so that the same program always gives the same recording.
                "dependencies": sorted(set(request.dependencies)),
                "propertyDependencies": {k: sorted(set(v.urns))
                                         for k, v in sorted(request.propertyDependencies.items())},
                "pluginDownloadURL": request.pluginDownloadURL,
                "protect": bool(request.protect) if request.HasField("protect") else False,
                "retainOnDelete": bool(request.retainOnDelete) if request.HasField("retainOnDelete") else False,
                "deletedWith": request.deletedWith,
                "ignoreChanges": list(request.ignoreChanges),
                "deleteBeforeReplace": bool(request.deleteBeforeReplace),
                "deleteBeforeReplaceDefined": bool(request.deleteBeforeReplaceDefined),
                "additionalSecretOutputs": list(request.additionalSecretOutputs),
                "aliases": [a.urn for a in request.aliases if a.urn] if hasattr(request, "aliases") else [],
            }
            if request.importId:
                record["importId"] = request.importId
            if topts is not None:
                record["transformed"] = True
            recorded.append(record)
            if request.remote:
                remote.append({"type": request.type, "name": request.name, "urn": urn,
                               "version": request.version})
                registry[urn] = ("", {})
                # Construct runs in the component's plugin: its outputs are unknown here.
                return resource_pb2.RegisterResourceResponse(urn=urn)
            if not custom:
                registry[urn] = ("", {})
                return resource_pb2.RegisterResourceResponse(urn=urn)  # local components: no outputs
            # A create in preview: id unknown (""), inputs echoed, autonames known, the rest unknown.
            ident = ""
            if request.importId:
                ident = request.importId
            registry[urn] = (ident, checked)
            return resource_pb2.RegisterResourceResponse(urn=urn, id=ident, object=struct(checked))

        def ReadResource(self, request):
            urn = make_urn(request.parent, request.type, request.name)
            if request.type == "pulumi:pulumi:StackReference":
                name = request.id
                given = stack_outputs.get(name)
                if given is None:
                    # "project/stack" and "org/project/stack" name the same stack within one organization.
                    same = [k for k in stack_outputs if k.endswith("/" + name) or name.endswith("/" + k)]
                    if len(same) == 1:
                        given = stack_outputs[same[0]]
                        used_names.add(same[0])
                else:
                    used_names.add(name)
                if given is not None:
                    outputs = given.get("outputs", {})
                    secret_names = sorted(given.get("secretOutputNames", []))
                    wire = {k: ({SIG: SECRET_SIG, "value": v} if k in secret_names else v)
                            for k, v in outputs.items()}
                    references.append({"name": name, "answered": "stack-outputs",
                                       "outputs": sorted(outputs)})
                    state = {"name": name, "outputs": wire, "secretOutputNames": secret_names}
                else:
                    references.append({"name": name, "answered": "unknown", "outputs": []})
                    state = {"name": name, "outputs": UNKNOWN, "secretOutputNames": UNKNOWN}
                registry[urn] = (name, state)
                return resource_pb2.ReadResourceResponse(urn=urn, id=name, properties=struct(state))
            # Resource.get(...): a real preview reads the live resource; offline only its id is known.
            reads.append({"type": request.type, "name": request.name, "id": request.id, "urn": urn})
            registry[urn] = (request.id, {})
            return resource_pb2.ReadResourceResponse(urn=urn, id=request.id, properties=struct({}))

        def Invoke(self, request):
            token = request.tok
            wire_args = json_format.MessageToDict(run_invoke_transforms(request))
            if token == "pulumi:pulumi:getResource":
                urn = wire_args.get("urn")
                if urn not in registry:
                    raise EngineLimit(f"the program asked for resource {urn}, which it never registered")
                ident, state = registry[urn]
                return resource_pb2.ResourceInvokeResponse(**{"return": struct({"urn": urn, "id": ident or UNKNOWN,
                                                                                "state": state})})
            plain = _unwrap_secrets(_strip_refs(wire_args))
            result = answers.answer(token, plain)
            if result is None:
                return resource_pb2.ResourceInvokeResponse(unknown=True)
            return resource_pb2.ResourceInvokeResponse(**{"return": struct(result)})

        def RegisterResourceOutputs(self, request):
            if request.urn.endswith("::pulumi:pulumi:Stack::" + f"{args.project}-{args.stack}"):
                stack_exports.update(json_format.MessageToDict(request.outputs))
            return empty_pb2.Empty()

        def RegisterStackTransform(self, request):
            stack_transforms.append(request)
            return empty_pb2.Empty()

        def Call(self, request):
            # A component method (e.g. pulumi_eks.Cluster.get_kubeconfig()) runs in the component's plugin, which
            # is not here: its result is unknown, as a preview reports a value it cannot compute yet.
            calls.append(request.tok)
            return provider_pb2.CallResponse(**{"return": struct({"result": UNKNOWN})})

        def RegisterStackInvokeTransform(self, request):
            stack_invoke_transforms.append(request)
            return empty_pb2.Empty()

        def SupportsFeature(self, request):
            # As the SDK's mock monitor: no output values (remote inputs arrive flattened). Invokes
            # with dependsOn are gated by the SDK itself: a dependency with an unknown id gives an
            # unknown result, which is what the engine answers in a preview of new resources.
            has = request.id not in ("outputValues", "invokeDependsOn")
            return type("SupportsFeatureResponse", (object,), {"hasSupport": has})

    class LogCapture:
        def __init__(self):
            self.records = []

        def debug(self, msg, *a, **k):
            pass

        def info(self, msg, *a, **k):
            pass

        def warning(self, msg, *a, **k):
            self.records.append(("warning", str(msg)))

        def error(self, msg, *a, **k):
            self.records.append(("error", str(msg)))

    logs = LogCapture()
    pulumi.runtime.set_all_config(config, secret_keys)
    monitor = PreviewMonitor(None)
    psettings.configure(pmocks.MockSettings(
        monitor=monitor,
        monitor_features=set(monitor.GetDeploymentInfo(empty_pb2.Empty()).supportedFeatures),
        engine=pmocks.MockEngine(logs), project=args.project, stack=args.stack, dry_run=True,
        organization=args.organization, callbacks=None, root_directory=args.root_directory or None,
        parallel=None, legacy_apply_enabled=False, outputs=set()))

    _install_secret_handling(pulumi, unknown_secrets)
    _install_plain_invoke_fallback(pulumi, answers)

    program = os.path.abspath(args.program)
    program_dir = program if os.path.isdir(program) else os.path.dirname(program)
    root_dir = os.path.abspath(args.root_directory) if args.root_directory else ""
    os.chdir(program_dir)
    sys.path.insert(0, program_dir)
    sys.argv = [program]
    error = None
    exited = None
    try:
        loop.run_until_complete(pulumi.runtime.run_in_stack(lambda: runpy.run_path(program, run_name="__main__")))
    except SystemExit as e:
        exited = e.code
        if e.code not in (None, 0):
            error = {"type": "SystemExit", "message": f"the program exited with status {e.code}",
                     "traceback": "", "origin": "program"}
    except pulumi.RunError as e:
        error = {"type": "RunError", "message": str(e), "traceback": str(e), "origin": "program"}
    except BaseException as e:  # the program's own error, shown to the user as it is
        error = _describe_error(e, program_dir, root_dir)
    for level, message in logs.records:
        if level == "error" and error is None:
            error = {"type": "ProgramError", "message": message, "traceback": message, "origin": "program"}
        elif level == "warning" or level == "error":
            warnings.append(message)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump({"resources": recorded, "warnings": warnings, "error": error, "exited": exited,
                   "remoteComponents": remote, "stackReferences": references, "reads": reads,
                   "calls": sorted(set(calls)), "invokes": answers.report(),
                   "stackOutputsUsed": sorted(used_names),
                   "account": account,
                   "region": region, "exports": sorted(stack_exports)}, f)
    return 3 if error else 0


def _apply_transform_options(request, props, opts):
    """A copy of the registration with the properties and options the transforms returned (the engine goes on
    with those: TransformResourceOptions replaces what the request said)."""
    from pulumi.runtime.proto import resource_pb2
    out = resource_pb2.RegisterResourceRequest()
    out.CopyFrom(request)
    out.object.CopyFrom(props)
    del out.dependencies[:]
    out.dependencies.extend(opts.depends_on)
    del out.ignoreChanges[:]
    out.ignoreChanges.extend(opts.ignore_changes)
    del out.replaceOnChanges[:]
    out.replaceOnChanges.extend(opts.replace_on_changes)
    del out.additionalSecretOutputs[:]
    out.additionalSecretOutputs.extend(opts.additional_secret_outputs)
    out.version = opts.version
    out.provider = opts.provider
    out.pluginDownloadURL = opts.plugin_download_url
    out.deletedWith = opts.deleted_with
    out.importId = getattr(opts, "import")
    out.providers.clear()
    out.providers.update(dict(opts.providers))
    if opts.HasField("protect"):
        out.protect = opts.protect
    else:
        out.ClearField("protect")
    if opts.HasField("retain_on_delete"):
        out.retainOnDelete = opts.retain_on_delete
    else:
        out.ClearField("retainOnDelete")
    out.deleteBeforeReplaceDefined = opts.HasField("delete_before_replace")
    out.deleteBeforeReplace = bool(opts.delete_before_replace)
    return out


def _unknown_secret_output(pulumi):
    loop = asyncio.get_event_loop()

    def done(value):
        fut = loop.create_future()
        fut.set_result(value)
        return fut

    return pulumi.Output(set(), done(None), done(False), done(True))


def _install_secret_handling(pulumi, unknown_secrets):
    """A `secure:` value the engine could not decrypt is an unknown secret to the program, never a literal."""
    if not unknown_secrets:
        return
    Config = pulumi.Config
    secret_methods = ["get_secret", "get_secret_bool", "get_secret_int", "get_secret_float", "get_secret_object",
                      "require_secret", "require_secret_bool", "require_secret_int", "require_secret_float",
                      "require_secret_object"]

    def wrap(original):
        def method(self, key, *a, **k):
            if self.full_key(key) in unknown_secrets:
                return _unknown_secret_output(pulumi)
            return original(self, key, *a, **k)
        method.__name__ = original.__name__
        return method

    for name in secret_methods:
        if hasattr(Config, name):
            setattr(Config, name, wrap(getattr(Config, name)))
    original_get = Config._get

    def _get(self, key, *a, **k):
        full = self.full_key(key)
        if full in unknown_secrets:
            raise EngineLimit(
                f"config {full} is a secret the offline engine could not decrypt, and the program reads it as "
                f"plain text; set PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) for a "
                f"passphrase-encrypted stack, or read it with require_secret()")
        return original_get(self, key, *a, **k)

    Config._get = _get


def _install_plain_invoke_fallback(pulumi, answers):
    """A plain-form invoke (`aws.ec2.get_ami(...)`) cannot be unknown in the Python SDK (its result class
    type-checks every field). When the offline engine has no answer it returns a placeholder built from
    the SDK's own result type, and names the invoke in a warning."""
    import pulumi.runtime as runtime_pkg
    original = runtime_pkg.invoke

    def invoke(tok, props, opts=None, typ=None, *a, **k):
        result = original(tok, props, opts, typ, *a, **k)
        if getattr(result, "is_known", True) or typ is None:
            return result
        placeholder = answers.placeholder(tok, typ)
        if placeholder is None:
            return result
        from pulumi.runtime import rpc
        value = rpc.translate_output_properties(placeholder, lambda prop: prop, typ)
        return type(result)(value, is_secret=False, is_known=True)

    runtime_pkg.invoke = invoke


if __name__ == "__main__":
    sys.exit(main())
