"""Runs a Pulumi Python program on the real Pulumi runtime with a recording mock engine.

Executed as a script by the *project's* Python (its virtualenv when Pulumi.yaml names one), so it
imports nothing from Preflight: only the Pulumi SDK the program itself uses. It writes one JSON
document to --out: every registered resource with its inputs (as the engine would send them to
an analyzer), parent, dependencies, property dependencies and options; plus warnings. No cloud
call is made: invokes are answered with plausible values.

Exit codes: 0 recorded; 3 the program raised (its error is in the output's "error").
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import runpy
import sys
import traceback


def _parse_args(argv):
    p = argparse.ArgumentParser()
    p.add_argument("--program", required=True, help="the program file or directory (Pulumi.yaml main)")
    p.add_argument("--project", required=True)
    p.add_argument("--stack", required=True)
    p.add_argument("--organization", default="organization")
    p.add_argument("--config", required=True, help="JSON file: {config: {key: str}, secretKeys: [..]}")
    p.add_argument("--out", required=True)
    return p.parse_args(argv)


def _json_or_str(value):
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


class _Invokes:
    """Plausible answers for the invokes most programs make; records the ones it does not know."""

    def __init__(self, account: str, region: str):
        self.account = account
        self.region = region
        self.unknown = []

    def __call__(self, token: str, args: dict) -> dict:
        partition = "aws-cn" if self.region.startswith("cn-") else (
            "aws-us-gov" if self.region.startswith("us-gov-") else "aws")
        if token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {"accountId": self.account, "arn": f"arn:{partition}:iam::{self.account}:user/preflight-offline",
                    "userId": "AIDAPREFLIGHTOFFLINE", "id": self.account}
        if token == "aws:index/getRegion:getRegion":
            name = args.get("name") or args.get("region") or self.region
            return {"name": name, "region": name, "id": name, "description": name,
                    "endpoint": f"ec2.{name}.amazonaws.com"}
        if token == "aws:index/getPartition:getPartition":
            return {"partition": partition, "id": partition, "dnsSuffix": "amazonaws.com",
                    "reverseDnsPrefix": "com.amazonaws"}
        if token == "aws:index/getAvailabilityZones:getAvailabilityZones":
            names = [f"{self.region}{s}" for s in "abc"]
            return {"names": names, "zoneIds": [f"use1-az{i + 1}" for i in range(3)], "id": self.region,
                    "groupNames": [self.region], "state": "available"}
        if token == "aws:iam/getPolicyDocument:getPolicyDocument":
            doc = _policy_document(args)
            text = json.dumps(doc, indent=2)
            return {"json": text, "minifiedJson": json.dumps(doc, separators=(",", ":")),
                    "id": hashlib.sha1(text.encode()).hexdigest()[:10]}
        if token in ("aws:kms/getKey:getKey", "aws:kms/getAlias:getAlias"):
            key = args.get("keyId") or args.get("name") or "alias/aws/s3"
            return {"id": key, "arn": f"arn:{partition}:kms:{self.region}:{self.account}:{key}",
                    "targetKeyArn": f"arn:{partition}:kms:{self.region}:{self.account}:key/offline",
                    "targetKeyId": "offline", "keyId": key}
        if token == "aws:index/getDefaultTags:getDefaultTags":
            return {"tags": {}, "id": "default-tags"}
        self.unknown.append(token)
        return {}


def _policy_document(args: dict) -> dict:
    """Render aws.iam.get_policy_document's statements the way the provider does (enough for policies)."""
    def one_or_list(values):
        values = list(values or [])
        return values[0] if len(values) == 1 else values

    statements = []
    for s in args.get("statements") or []:
        out = {}
        if s.get("sid"):
            out["Sid"] = s["sid"]
        out["Effect"] = s.get("effect") or "Allow"
        for key, name in (("actions", "Action"), ("notActions", "NotAction"), ("resources", "Resource"),
                          ("notResources", "NotResource")):
            if s.get(key):
                out[name] = one_or_list(s[key])
        for key, name in (("principals", "Principal"), ("notPrincipals", "NotPrincipal")):
            if s.get(key):
                principal = {}
                for p in s[key]:
                    if p.get("type") == "*" and p.get("identifiers") == ["*"]:
                        principal = "*"
                        break
                    principal.setdefault(p.get("type"), [])
                    principal[p.get("type")].extend(p.get("identifiers") or [])
                if isinstance(principal, dict):
                    principal = {k: one_or_list(v) for k, v in principal.items()}
                out[name] = principal
        for c in s.get("conditions") or []:
            out.setdefault("Condition", {}).setdefault(c.get("test"), {})[c.get("variable")] = \
                one_or_list(c.get("values"))
        statements.append(out)
    doc = {"Version": args.get("version") or "2012-10-17", "Statement": statements}
    if args.get("policyId"):
        doc["Id"] = args["policyId"]
    return doc


def _program_traceback(error: BaseException, program_dir: str) -> str:
    """The traceback from the program's first frame on: the runner and the runtime above it are noise."""
    frames = traceback.extract_tb(error.__traceback__)
    inside = [i for i, f in enumerate(frames)
              if os.path.isfile(f.filename) and os.path.abspath(f.filename).startswith(program_dir + os.sep)]
    if inside:
        frames = traceback.StackSummary.from_list(frames[inside[0]:])
    lines = ["Traceback (most recent call last):\n", *traceback.format_list(frames),
             *traceback.format_exception_only(type(error), error)]
    return "".join(lines)


def main(argv=None) -> int:
    args = _parse_args(argv)
    with open(args.config, encoding="utf-8") as f:
        cfg = json.load(f)
    config = cfg["config"]
    secret_keys = cfg.get("secretKeys", [])

    # The environment the Pulumi language host gives a program.
    os.environ["PULUMI_CONFIG"] = json.dumps(config)
    os.environ["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(secret_keys)
    os.environ["PULUMI_PROJECT"] = args.project
    os.environ["PULUMI_STACK"] = args.stack
    os.environ["PULUMI_ORGANIZATION"] = args.organization
    os.environ["PULUMI_DRY_RUN"] = "true"

    import pulumi
    import pulumi.runtime
    from pulumi.runtime import mocks as pmocks
    from pulumi.runtime.stack import run_pulumi_func
    from pulumi.runtime.sync_await import _sync_await
    from google.protobuf import json_format

    region = config.get("aws:region") or os.environ.get("AWS_REGION") or "us-east-1"
    allowed = _json_or_str(config.get("aws:allowedAccountIds"))
    account = allowed[0] if isinstance(allowed, list) and allowed else "123456789012"
    invokes = _Invokes(str(account), region)
    recorded = []
    warnings = []

    class OfflineMocks(pmocks.Mocks):
        def new_resource(self, a: pmocks.MockResourceArgs):
            inputs = dict(a.inputs)
            ident = (inputs.get("bucket") or inputs.get("name") or inputs.get("identifier")
                     or inputs.get("functionName") or inputs.get("tableName")
                     or f"{a.name}-{hashlib.sha1(a.name.encode()).hexdigest()[:7]}")
            if not isinstance(ident, str):
                ident = a.name
            if a.typ.startswith("pulumi:providers:"):
                return ident, inputs
            service = a.typ.split(":")[1].split("/")[0] if a.typ.count(":") == 2 else "resource"
            kind = a.typ.rsplit(":", 1)[-1].lower()
            arn = f"arn:aws:{service}:{region}:{account}:{kind}/{ident}"
            state = {"arn": arn, "id": ident, **inputs}
            # Autonamed resources: the provider fills in the physical name; so do we.
            state.setdefault("name", ident)
            if a.typ in ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"):
                state.setdefault("bucket", ident)
            if service == "s3":
                state.setdefault("bucketDomainName", f"{ident}.s3.amazonaws.com")
                state.setdefault("bucketRegionalDomainName", f"{ident}.s3.{region}.amazonaws.com")
            return ident, state

        def call(self, a: pmocks.MockCallArgs):
            return invokes(a.token, dict(a.args))

    class RecordingMonitor(pmocks.MockMonitor):
        def make_urn(self, parent, type_, name):
            # As the engine does: the root stack is nobody's qualified parent type.
            # The engine's rule (deployment.go generateURN): the parent's *full* qualified type, then
            # `$`, then the type; the root stack is nobody's qualified parent type.
            if parent and parent.split("::")[2] != "pulumi:pulumi:Stack":
                type_ = parent.split("::")[2] + "$" + type_
            return "urn:pulumi:" + "::".join([pulumi.get_stack(), pulumi.get_project(), type_, name])

        def RegisterResource(self, request):
            response = super().RegisterResource(request)
            if request.type == "pulumi:pulumi:Stack":
                return response
            record = {
                "type": request.type,
                "name": request.name,
                "urn": response.urn,
                "id": response.id,
                "custom": bool(request.custom),
                "parent": request.parent,
                "props": json_format.MessageToDict(request.object),
                "provider": request.provider,
                "version": request.version,
                "pluginDownloadURL": request.pluginDownloadURL,
                "dependencies": list(request.dependencies),
                "propertyDependencies": {k: list(v.urns) for k, v in request.propertyDependencies.items()},
                "protect": bool(request.protect) if request.HasField("protect") else False,
                "retainOnDelete": bool(request.retainOnDelete) if request.HasField("retainOnDelete") else False,
                "deletedWith": request.deletedWith,
                "ignoreChanges": list(request.ignoreChanges),
                "deleteBeforeReplace": bool(request.deleteBeforeReplace),
                "deleteBeforeReplaceDefined": bool(request.deleteBeforeReplaceDefined),
                "additionalSecretOutputs": list(request.additionalSecretOutputs),
                "aliases": [a.urn for a in request.aliases if a.urn] if hasattr(request, "aliases") else [],
            }
            recorded.append(record)
            return response

    class LogCapture:
        def __init__(self):
            self.records = []

        def _add(self, level, msg):
            self.records.append({"level": level, "message": str(msg)})

        def debug(self, msg, *a, **k):
            pass

        def info(self, msg, *a, **k):
            pass

        def warning(self, msg, *a, **k):
            self._add("warning", msg)

        def error(self, msg, *a, **k):
            self._add("error", msg)

    logs = LogCapture()
    # Config must be in place before the program reads it.
    pulumi.runtime.set_all_config(config, secret_keys)
    mocks = OfflineMocks()
    monitor = RecordingMonitor(mocks)
    pmocks.set_mocks(mocks, project=args.project, stack=args.stack, preview=False, logger=logs,
                     monitor=monitor, organization=args.organization)

    program = os.path.abspath(args.program)
    program_dir = program if os.path.isdir(program) else os.path.dirname(program)
    os.chdir(program_dir)
    sys.path.insert(0, program_dir)
    error = None
    try:
        _sync_await(run_pulumi_func(lambda: runpy.run_path(program, run_name="__main__")))
    except SystemExit as e:
        if e.code not in (None, 0):
            error = {"type": "SystemExit", "message": f"the program exited with status {e.code}",
                     "traceback": ""}
    except BaseException as e:  # the program's own error, shown to the user as-is
        error = {"type": type(e).__name__, "message": str(e), "traceback": _program_traceback(e, program_dir)}
    for r in logs.records:
        if r["level"] == "error" and error is None and "Program failed" in r["message"]:
            error = {"type": "ProgramError", "message": r["message"], "traceback": ""}
        else:
            warnings.append(r["message"])
    if invokes.unknown:
        warnings.append("the offline engine answered these invokes with empty results: "
                        + ", ".join(sorted(set(invokes.unknown))))
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump({"resources": recorded, "warnings": warnings, "error": error,
                   "account": str(account), "region": region}, f)
    return 3 if error else 0


if __name__ == "__main__":
    sys.exit(main())
