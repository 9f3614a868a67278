"""Mock-engine harness for component tests: records every registration (type, name, inputs,
protect, parent) and answers the AWS invokes components make, with plausible values."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional

import pulumi
from pulumi.runtime import mocks as pulumi_mocks

ACCOUNT = "111122223333"
REGION = "eu-west-1"


@dataclass
class Recorded:
    type: str
    name: str
    urn: str
    inputs: Dict[str, Any]
    protect: bool
    parent: str
    custom: bool

    def policy(self, key: str = "policy") -> dict:
        value = self.inputs[key]
        return json.loads(value) if isinstance(value, str) else value


class AwsMocks(pulumi.runtime.Mocks):
    """Returns inputs as outputs plus the ids/ARNs/names AWS would compute."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        outputs = dict(args.inputs)
        module = args.typ.split(":")[1].split("/")[0] if args.typ.count(":") == 2 else "x"
        if args.typ == "aws:s3/bucket:Bucket":
            physical = outputs.get("bucket") or f"{args.name}-abc123"
            outputs["bucket"] = physical
            outputs["arn"] = f"arn:aws:s3:::{physical}"
        elif args.typ == "aws:kms/key:Key":
            outputs["keyId"] = f"{args.name}-1234"
            outputs["arn"] = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{args.name}-1234"
        elif args.typ == "aws:apigateway/stage:Stage":
            outputs["arn"] = f"arn:aws:apigateway:{REGION}::/restapis/api/stages/{outputs.get('stageName')}"
        else:
            outputs.setdefault("arn", f"arn:aws:{module}:{REGION}:{ACCOUNT}:{args.name}")
        if args.typ == "aws:ec2/vpc:Vpc":
            outputs["defaultSecurityGroupId"] = "sg-default"
        if args.typ == "aws:rds/instance:Instance":
            outputs["masterUserSecrets"] = [{"secretArn": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:rds"}]
        return [f"{args.name}-id", outputs]

    def call(self, args: pulumi.runtime.MockCallArgs):
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {"accountId": ACCOUNT, "arn": f"arn:aws:iam::{ACCOUNT}:user/test", "userId": "AIDA", "id": ACCOUNT}
        if args.token == "aws:index/getRegion:getRegion":
            return {"name": REGION, "region": REGION, "id": REGION, "description": "Europe (Ireland)"}
        if args.token == "aws:index/getPartition:getPartition":
            return {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws"}
        return {}


class RecordingMonitor(pulumi_mocks.MockMonitor):
    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.recorded: List[Recorded] = []

    def RegisterResource(self, request):
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            from pulumi.runtime import rpc
            self.recorded.append(Recorded(
                type=request.type, name=request.name, urn=response.urn,
                inputs=rpc.deserialize_properties(request.object),
                protect=bool(request.protect), parent=request.parent, custom=bool(request.custom)))
        return response


class Run:
    """The result of building resources on the mock engine."""

    def __init__(self, recorded: List[Recorded], value: Any) -> None:
        self.recorded = recorded
        self.value = value

    def of_type(self, type_token: str) -> List[Recorded]:
        return [r for r in self.recorded if r.type == type_token]

    def one(self, type_token: str, name_contains: str = "") -> Recorded:
        found = [r for r in self.of_type(type_token) if name_contains in r.name]
        assert len(found) == 1, f"expected one {type_token} named like {name_contains!r}, got {[r.name for r in found]}"
        return found[0]

    def named(self, name: str) -> Recorded:
        found = [r for r in self.recorded if r.name == name]
        assert len(found) == 1, f"expected one resource named {name!r}, got {len(found)}"
        return found[0]

    def children_of(self, urn: str) -> List[Recorded]:
        return [r for r in self.recorded if r.parent == urn]


def build(fn: Callable[[], Any], *, stack: str = "prod", project: str = "preflight",
          config: Optional[Dict[str, str]] = None) -> Run:
    """Run fn() on the mock engine (preview=False so values are known) and return what it registered."""
    monitor = RecordingMonitor(AwsMocks())
    pulumi.runtime.set_mocks(AwsMocks(), project=project, stack=stack, preview=False, monitor=monitor)
    pulumi.runtime.set_all_config(config or {})
    holder: Dict[str, Any] = {}

    @pulumi.runtime.test
    def go():
        holder["value"] = fn()
        return pulumi.Output.from_input(1)

    go()
    return Run(monitor.recorded, holder.get("value"))
