"""A stand-in `aws` resource provider for the real-CLI tests: it speaks the provider gRPC protocol
(pulumi.runtime.proto.provider_pb2_grpc) and creates nothing real.

- Check returns the inputs, plus a tfbridge-style autoname (`<name>-<7 hex>` derived from the
  engine's random seed, kept from the old inputs when present, listed in `__defaults`).
- Diff reports the changed properties, and a replacement when one of the type's declared
  replace-on-change properties changed (REPLACE_ON_CHANGE).
- Create/Update echo the checked inputs; outside preview they add `id` and `arn`. In preview they
  return the inputs only, so provider-computed outputs are unknown to the program, as with pulumi-aws.
- Delete/Read succeed. Every call is appended as one JSON line to $PREFLIGHT_STANDIN_LOG (if set).
- Invoke answers the data sources `preflight check`'s offline engine answers (same code).

Run as a plugin: `python standin_provider.py [flags] ENGINE_ADDRESS`; prints its port first.
With `--attach PORT` it serves on that port instead (PULUMI_DEBUG_PROVIDERS=aws:PORT).
"""
from __future__ import annotations

import hashlib
import json
import os
import signal
import sys
import threading
from concurrent import futures

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import plugin_pb2, provider_pb2, provider_pb2_grpc

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from preflight.check.invokes import Answers  # noqa: E402  (the offline engine's answers)

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
VERSION = os.environ.get("PREFLIGHT_STANDIN_VERSION", "7.51.1")

# The property pulumi-aws fills with an autoname when the program gives none.
AUTONAME = {
    "aws:s3/bucket:Bucket": "bucket",
    "aws:s3/bucketV2:BucketV2": "bucket",
    "aws:rds/instance:Instance": "identifier",
    "aws:rds/cluster:Cluster": "clusterIdentifier",
    "aws:kms/key:Key": None,
}
AUTONAME_NAME_TYPES = (
    "aws:iam/role:Role", "aws:iam/policy:Policy", "aws:iam/user:User", "aws:iam/group:Group",
    "aws:lambda/function:Function", "aws:dynamodb/table:Table", "aws:sqs/queue:Queue", "aws:sns/topic:Topic",
    "aws:cloudwatch/logGroup:LogGroup", "aws:secretsmanager/secret:Secret", "aws:ecr/repository:Repository",
    "aws:ecs/cluster:Cluster", "aws:eks/cluster:Cluster", "aws:lb/loadBalancer:LoadBalancer",
    "aws:ec2/securityGroup:SecurityGroup", "aws:cloudtrail/trail:Trail", "aws:backup/vault:Vault",
    "aws:backup/plan:Plan", "aws:sfn/stateMachine:StateMachine", "aws:apigateway/restApi:RestApi",
)

# Properties whose change forces a new resource (pulumi-aws's ForceNew), per type.
REPLACE_ON_CHANGE = {
    "aws:s3/bucket:Bucket": {"bucket", "bucketPrefix", "objectLockEnabled"},
    "aws:s3/bucketV2:BucketV2": {"bucket", "bucketPrefix", "objectLockEnabled"},
    "aws:rds/instance:Instance": {"identifier", "engine", "dbName", "storageEncrypted", "kmsKeyId",
                                  "availabilityZone", "username", "characterSetName"},
    "aws:rds/cluster:Cluster": {"clusterIdentifier", "engine", "databaseName", "storageEncrypted",
                                "kmsKeyId", "masterUsername"},
    "aws:dynamodb/table:Table": {"name", "hashKey", "rangeKey"},
    "aws:lambda/function:Function": {"name"},
    "aws:iam/role:Role": {"name", "path"},
    "aws:kms/key:Key": {"customerMasterKeySpec", "keySpec", "multiRegion"},
    "aws:sqs/queue:Queue": {"name", "fifoQueue"},
    "aws:ec2/securityGroup:SecurityGroup": {"name", "description", "vpcId"},
    "aws:cloudwatch/logGroup:LogGroup": {"name"},
    "aws:efs/fileSystem:FileSystem": {"encrypted", "kmsKeyId", "performanceMode", "creationToken"},
    "aws:secretsmanager/secret:Secret": {"name"},
}


def _autoname_prop(type_: str):
    if type_ in AUTONAME:
        return AUTONAME[type_]
    return "name" if type_ in AUTONAME_NAME_TYPES else None


def _to_dict(s: struct_pb2.Struct) -> dict:
    return json_format.MessageToDict(s) if s is not None else {}


def _to_struct(d: dict) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(d)
    return s


def _urn_name(urn: str) -> str:
    return urn.split("::")[-1]


def _urn_type(urn: str) -> str:
    return urn.split("::")[-2].split("$")[-1]


def _log(op: str, **fields) -> None:
    path = os.environ.get("PREFLIGHT_STANDIN_LOG")
    if not path:
        return
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps({"op": op, **fields}, sort_keys=True, default=str) + "\n")


class StandInAws(provider_pb2_grpc.ResourceProviderServicer):
    def __init__(self):
        self.config = {}
        self.engine = None

    # --- plugin lifecycle ---
    def Handshake(self, request, context):
        self.engine = request.engine_address
        return provider_pb2.ProviderHandshakeResponse(accept_secrets=True, accept_resources=True)

    def Attach(self, request, context):
        self.engine = request.address
        return empty_pb2.Empty()

    def GetPluginInfo(self, request, context):
        return plugin_pb2.PluginInfo(version=VERSION)

    def GetSchema(self, request, context):
        return provider_pb2.GetSchemaResponse(schema=json.dumps({"name": "aws", "version": VERSION}))

    def CheckConfig(self, request, context):
        return provider_pb2.CheckResponse(inputs=request.news)

    def DiffConfig(self, request, context):
        return provider_pb2.DiffResponse(changes=provider_pb2.DiffResponse.DIFF_NONE)

    def Configure(self, request, context):
        self.config = {k.split(":")[-1]: v for k, v in request.variables.items()}
        self.config.update({k: v for k, v in _to_dict(request.args).items()})
        _log("Configure", config=sorted(self.config))
        return provider_pb2.ConfigureResponse(acceptSecrets=True, supportsPreview=True, acceptResources=True)

    def Cancel(self, request, context):
        return empty_pb2.Empty()

    # --- resources ---
    def Check(self, request, context):
        news = _to_dict(request.news)
        olds = _to_dict(request.olds)
        type_ = request.type or _urn_type(request.urn)
        prop = _autoname_prop(type_)
        defaults = []
        if prop and prop not in news:
            if olds.get(prop) and prop in (olds.get("__defaults") or []):
                news[prop] = olds[prop]
            else:
                seed = bytes(request.randomSeed) or request.urn.encode()
                news[prop] = f"{request.name or _urn_name(request.urn)}-{hashlib.sha256(seed).hexdigest()[:7]}"
            defaults.append(prop)
        if defaults:
            news["__defaults"] = defaults
        _log("Check", urn=request.urn)
        return provider_pb2.CheckResponse(inputs=_to_struct(news))

    def Diff(self, request, context):
        type_ = request.type or _urn_type(request.urn)
        news = _to_dict(request.news)
        olds = _to_dict(request.old_inputs) if request.HasField("old_inputs") else _to_dict(request.olds)
        keys = (set(news) | set(olds)) - {"__defaults"}
        changed = sorted(k for k in keys if news.get(k) != olds.get(k))
        ignore = set(request.ignoreChanges)
        changed = [k for k in changed if k not in ignore]
        forcing = REPLACE_ON_CHANGE.get(type_, set())
        replaces = [k for k in changed if k in forcing]
        _log("Diff", urn=request.urn, changed=changed, replaces=replaces)
        return provider_pb2.DiffResponse(
            changes=provider_pb2.DiffResponse.DIFF_SOME if changed else provider_pb2.DiffResponse.DIFF_NONE,
            diffs=changed, replaces=replaces, deleteBeforeReplace=False)

    def _outputs(self, urn: str, inputs: dict, ident: str) -> dict:
        type_ = _urn_type(urn)
        region = self.config.get("region") or "us-east-1"
        service = type_.split(":")[1].split("/")[0]
        kind = type_.rsplit(":", 1)[-1].lower()
        out = {k: v for k, v in inputs.items() if k != "__defaults"}
        out.update({"id": ident, "arn": f"arn:aws:{service}:{region}:123456789012:{kind}/{ident}"})
        return out

    def Create(self, request, context):
        inputs = _to_dict(request.properties)
        _log("Create", urn=request.urn, preview=request.preview)
        if request.preview:
            return provider_pb2.CreateResponse(id="", properties=_to_struct(
                {k: v for k, v in inputs.items() if k != "__defaults"}))
        prop = _autoname_prop(_urn_type(request.urn))
        ident = inputs.get(prop) if prop and isinstance(inputs.get(prop), str) else None
        ident = ident or f"{_urn_name(request.urn)}-{hashlib.sha256(request.urn.encode()).hexdigest()[:7]}"
        return provider_pb2.CreateResponse(id=ident, properties=_to_struct(self._outputs(request.urn, inputs, ident)))

    def Update(self, request, context):
        news = _to_dict(request.news)
        _log("Update", urn=request.urn, preview=request.preview)
        if request.preview:
            return provider_pb2.UpdateResponse(properties=_to_struct(
                {k: v for k, v in news.items() if k != "__defaults"}))
        return provider_pb2.UpdateResponse(properties=_to_struct(self._outputs(request.urn, news, request.id)))

    def Delete(self, request, context):
        _log("Delete", urn=request.urn, id=request.id)
        return empty_pb2.Empty()

    def Read(self, request, context):
        _log("Read", urn=request.urn, id=request.id)
        return provider_pb2.ReadResponse(id=request.id, properties=request.properties, inputs=request.inputs)

    def Invoke(self, request, context):
        args = _to_dict(request.args)
        allowed = self.config.get("allowedAccountIds")
        if isinstance(allowed, str) and allowed[:1] == "[":
            try:
                allowed = json.loads(allowed)
            except ValueError:
                allowed = None
        account = allowed[0] if isinstance(allowed, list) and allowed else "123456789012"
        answers = Answers(str(account), self.config.get("region") or "us-east-1")
        result = answers.answer(request.tok, args)
        _log("Invoke", tok=request.tok, known=result is not None)
        if result is None:
            return provider_pb2.InvokeResponse(failures=[provider_pb2.CheckFailure(
                reason=f"the stand-in provider does not answer {request.tok}")])
        return provider_pb2.InvokeResponse(**{"return": _to_struct(result)})


def main(argv) -> int:
    port = 0
    if "--attach" in argv:
        port = int(argv[argv.index("--attach") + 1])
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8),
                         options=[("grpc.max_receive_message_length", 400 * 1024 * 1024)])
    provider_pb2_grpc.add_ResourceProviderServicer_to_server(StandInAws(), server)
    bound = server.add_insecure_port(f"127.0.0.1:{port}")
    server.start()
    sys.stdout.write(f"{bound}\n")
    sys.stdout.flush()
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stopped.set())
    signal.signal(signal.SIGINT, lambda *a: stopped.set())
    parent = os.getppid()
    while not stopped.wait(1.0):
        if os.getppid() != parent and "--attach" not in argv:
            break
    server.stop(0)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
