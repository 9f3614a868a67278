"""What the offline engine answers for data sources (invokes) and which names the provider's Check fills in.

Loaded by runner.py inside the program's interpreter (by path, under a private module name), so it
imports only the standard library. Every answer is deterministic (derived from the arguments, the
stack's account and region) and shaped like pulumi-aws's result types (`pulumi_aws/*/get_*.py`):
camelCase wire keys, required fields present, ids in AWS's own formats. An invoke this table does
not know is answered as *unknown* (a preview that cannot resolve it), and named in a warning.
"""
from __future__ import annotations

import base64
import hashlib
import json
import re
from typing import Any, Callable, Dict, Optional

# Physical names the provider's Check fills in before a preview, so they are known in a preview.
# Sources (read, not copied): pulumi/pulumi-aws provider/autonaming.go (setAutonaming: every resource with an
# input `name` gets AutoName("name", 255, "-") unless it has its own entry), provider/resource_overrides.go
# (the per-type AutoName / AutoNameTransform / AutoNameWithCustomOptions / FromName entries) and
# provider/compatibility.go (s3.BucketV2); pulumi/pulumi-terraform-bridge pkg/tfbridge/info/autonaming.go
# (ComputeAutoNameDefault: URN name, Transform, + separator + random suffix, then PostTransform);
# pulumi/pulumi sdk/go/common/resource/resource_id.go (NewUniqueName: suffix from [0-9a-f] unless a charset is
# given, and no truncation: a name that does not fit max length is a Check failure).
# Not autonamed (no entry, and the property is not `name`): rds.Cluster clusterIdentifier, rds.ClusterInstance
# identifier, lambda.LayerVersion layerName, route53.Record name (explicitly excluded) - unknown or missing.
# Columns: type, property, max length (0: none), separator, lower-case the name, special rule.
# Special rules: fifoQueue/fifoTopic (".fifo" appended when that input is true), alias (prefixed "alias/"),
# letters (8 random a-z instead of 7 hex), sqlserver (engine containing "sqlserver": 3 hex, max 15).
AUTONAMED: Dict[str, tuple] = {}
for _t, _p, _max, _sep, _lower, _rule in [
    ("aws:s3/bucket:Bucket", "bucket", 63, "-", True, None),
    ("aws:s3/bucketV2:BucketV2", "bucket", 63, "-", True, None),
    ("aws:lambda/function:Function", "name", 64, "-", False, None),
    ("aws:lambda/permission:Permission", "statementId", 100, "-", False, None),
    ("aws:lambda/alias:Alias", "name", 255, "-", False, None),
    ("aws:iam/role:Role", "name", 64, "-", False, None),
    ("aws:iam/policy:Policy", "name", 255, "-", False, None),
    ("aws:iam/user:User", "name", 255, "-", False, None),
    ("aws:iam/group:Group", "name", 255, "-", False, None),
    ("aws:iam/instanceProfile:InstanceProfile", "name", 255, "-", False, None),
    ("aws:iam/rolePolicy:RolePolicy", "name", 255, "-", False, None),
    ("aws:sqs/queue:Queue", "name", 80, "-", False, "fifoQueue"),
    ("aws:sns/topic:Topic", "name", 80, "-", False, "fifoTopic"),
    ("aws:kms/alias:Alias", "name", 238, "-", False, "alias"),
    ("aws:dynamodb/table:Table", "name", 255, "-", False, None),
    ("aws:rds/instance:Instance", "identifier", 255, "-", False, "sqlserver"),
    ("aws:rds/subnetGroup:SubnetGroup", "name", 255, "-", False, None),
    ("aws:rds/parameterGroup:ParameterGroup", "name", 255, "-", False, None),
    ("aws:rds/clusterParameterGroup:ClusterParameterGroup", "name", 255, "-", False, None),
    ("aws:rds/optionGroup:OptionGroup", "name", 255, "-", False, None),
    ("aws:ec2/securityGroup:SecurityGroup", "name", 255, "-", False, None),
    ("aws:ec2/launchTemplate:LaunchTemplate", "name", 255, "-", False, None),
    ("aws:ec2/launchConfiguration:LaunchConfiguration", "name", 255, "-", False, None),
    ("aws:ec2/placementGroup:PlacementGroup", "name", 255, "-", False, None),
    ("aws:ec2/keyPair:KeyPair", "keyName", 255, "-", False, None),
    ("aws:lb/loadBalancer:LoadBalancer", "name", 255, "-", False, None),
    ("aws:lb/targetGroup:TargetGroup", "name", 255, "-", False, None),
    ("aws:alb/loadBalancer:LoadBalancer", "name", 255, "-", False, None),
    ("aws:alb/targetGroup:TargetGroup", "name", 255, "-", False, None),
    ("aws:elb/loadBalancer:LoadBalancer", "name", 255, "-", False, None),
    ("aws:ecs/cluster:Cluster", "name", 255, "-", False, None),
    ("aws:ecs/service:Service", "name", 255, "-", False, None),
    ("aws:ecs/capacityProvider:CapacityProvider", "name", 255, "-", False, None),
    ("aws:cloudwatch/logGroup:LogGroup", "name", 255, "-", False, None),
    ("aws:cloudwatch/logStream:LogStream", "name", 255, "-", False, None),
    ("aws:cloudwatch/logMetricFilter:LogMetricFilter", "name", 255, "-", False, None),
    ("aws:cloudwatch/metricAlarm:MetricAlarm", "name", 255, "-", False, None),
    ("aws:cloudwatch/eventRule:EventRule", "name", 64, "-", False, None),
    ("aws:cloudwatch/eventTarget:EventTarget", "targetId", 255, "-", False, None),
    ("aws:cloudwatch/eventBus:EventBus", "name", 255, "-", False, None),
    ("aws:kinesis/stream:Stream", "name", 255, "-", False, None),
    ("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream", "name", 255, "-", False, None),
    ("aws:apigateway/restApi:RestApi", "name", 255, "-", False, None),
    ("aws:apigatewayv2/api:Api", "name", 255, "-", False, None),
    ("aws:secretsmanager/secret:Secret", "name", 255, "-", False, None),
    ("aws:ssm/parameter:Parameter", "name", 255, "-", False, None),
    ("aws:ssm/document:Document", "name", 255, "-", False, None),
    ("aws:ecr/repository:Repository", "name", 255, "-", False, None),
    ("aws:eks/cluster:Cluster", "name", 255, "-", False, None),
    ("aws:eks/nodeGroup:NodeGroup", "nodeGroupName", 255, "-", False, None),
    ("aws:eks/fargateProfile:FargateProfile", "fargateProfileName", 255, "-", False, None),
    ("aws:elasticache/cluster:Cluster", "clusterId", 50, "-", True, None),
    ("aws:elasticache/replicationGroup:ReplicationGroup", "replicationGroupId", 40, "-", True, None),
    ("aws:elasticache/subnetGroup:SubnetGroup", "name", 255, "-", False, None),
    ("aws:elasticache/parameterGroup:ParameterGroup", "name", 255, "-", False, None),
    ("aws:opensearch/domain:Domain", "domainName", 255, "-", False, None),
    ("aws:elasticsearch/domain:Domain", "domainName", 28, "-", True, None),
    ("aws:msk/cluster:Cluster", "clusterName", 255, "-", False, None),
    ("aws:msk/serverlessCluster:ServerlessCluster", "clusterName", 255, "-", False, None),
    ("aws:mq/broker:Broker", "brokerName", 55, "-", False, None),
    ("aws:elasticbeanstalk/environment:Environment", "name", 40, "-", False, None),
    ("aws:sfn/stateMachine:StateMachine", "name", 255, "-", False, None),
    ("aws:appsync/graphQLApi:GraphQLApi", "name", 255, "-", False, None),
    ("aws:appsync/function:Function", "name", 255, "_", False, None),
    ("aws:appsync/dataSource:DataSource", "name", 255, "_", False, None),
    ("aws:cognito/userPool:UserPool", "name", 255, "-", False, None),
    ("aws:codebuild/project:Project", "name", 255, "-", False, None),
    ("aws:codedeploy/deploymentConfig:DeploymentConfig", "deploymentConfigName", 100, "_", False, None),
    ("aws:wafv2/webAcl:WebAcl", "name", 255, "-", False, None),
    ("aws:backup/vault:Vault", "name", 255, "-", False, None),
    ("aws:backup/plan:Plan", "name", 255, "-", False, None),
    ("aws:backup/restoreTestingPlan:RestoreTestingPlan", "name", 255, "_", False, None),
    ("aws:athena/workgroup:Workgroup", "name", 255, "-", False, None),
    ("aws:athena/database:Database", "name", 255, "_", False, None),
    ("aws:autoscaling/group:Group", "name", 255, "-", False, None),
    ("aws:efs/fileSystem:FileSystem", "creationToken", 255, "-", False, None),
    ("aws:cloudtrail/trail:Trail", "name", 255, "-", False, None),
    ("aws:glue/catalogDatabase:CatalogDatabase", "name", 0, "_", True, "letters"),
    ("aws:glue/catalogTable:CatalogTable", "name", 0, "_", True, "letters"),
    ("aws:iot/topicRule:TopicRule", "name", 0, "_", False, None),
]:
    AUTONAMED[_t] = (_p, _max, _sep, _lower, _rule)
# A `<property>Prefix` input (namePrefix, bucketPrefix, identifierPrefix...) makes the upstream provider choose.
PREFIXES = {"name": "namePrefix", "bucket": "bucketPrefix", "identifier": "identifierPrefix",
            "keyName": "keyNamePrefix", "creationToken": None}


def _autoname(type_: str, name: str, urn: str, props: Dict[str, Any]):
    """(the filled-in names, or None with the reason the provider's Check would fail)."""
    spec = AUTONAMED.get(type_)
    if not spec:
        return {}, None
    prop, max_len, sep, lower, rule = spec
    prefix_prop = PREFIXES.get(prop, prop + "Prefix")
    if prop in props or (prefix_prop and prefix_prop in props):
        return {}, None
    rand_len, charset = 7, "0123456789abcdef"
    if rule == "letters":
        rand_len, charset = 8, "abcdefghijklmnopqrstuvwxyz"
    if rule == "sqlserver" and "sqlserver" in str(props.get("engine", "")).lower():
        rand_len, max_len = 3, 15
    base = (name.lower() if lower else name) + sep
    if max_len and len(base) + rand_len > max_len:
        return None, (f"{type_} '{name}': the AWS provider cannot autoname `{prop}`: '{base}' plus {rand_len} "
                      f"random characters is longer than {max_len}, so a real preview fails for this resource; "
                      f"shorten the resource name to at most {max_len - rand_len - len(sep)} characters, or set "
                      f"`{prop}` yourself")
    digest = hashlib.sha256(urn.encode()).digest()
    value = base + "".join(charset[b % len(charset)] for b in digest[:rand_len])
    if rule in ("fifoQueue", "fifoTopic") and props.get(rule) is True:
        value += ".fifo"
    if rule == "alias" and not value.startswith("alias/"):
        value = "alias/" + value
    return {prop: value}, None


def autonames(type_: str, name: str, urn: str, props: Dict[str, Any]) -> Dict[str, str]:
    """The names the provider's Check adds when the program gave none (deterministic: seeded by the URN)."""
    return _autoname(type_, name, urn, props)[0] or {}


def autoname_problem(type_: str, name: str, urn: str, props: Dict[str, Any]) -> Optional[str]:
    """Why the provider's Check would fail to autoname this resource (its name is too long), or None."""
    return _autoname(type_, name, urn, props)[1]


def _hex(seed: str, n: int) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:n]


def _uuid(seed: str) -> str:
    h = _hex(seed, 32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else value


def _filter(args: Dict[str, Any], name: str) -> Optional[Any]:
    for f in args.get("filters") or []:
        if isinstance(f, dict) and f.get("name") == name:
            return _first(f.get("values"))
    return None


# Managed CloudFront policies have fixed, public ids.
CACHE_POLICIES = {
    "Managed-CachingOptimized": "658327ea-f89d-4fab-a63d-7e88639e58f6",
    "Managed-CachingDisabled": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
    "Managed-CachingOptimizedForUncompressedObjects": "b2884449-e4de-46a7-ac36-70bc7f1ddd6d",
    "Managed-Elemental-MediaPackage": "08627262-05a9-4f76-9ded-b50ca2e3a84f",
    "Managed-Amplify": "4cc15a8a-d715-48a4-82b8-cc0b614638fe",
}
ORIGIN_REQUEST_POLICIES = {
    "Managed-AllViewer": "216adef6-5c7f-47e4-b989-5492eafa07d3",
    "Managed-CORS-S3Origin": "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf",
    "Managed-CORS-CustomOrigin": "59781a5b-3903-41f3-afcb-af62929ccde1",
    "Managed-AllViewerExceptHostHeader": "b689b0a8-53d0-40ab-baf2-68738e2966ac",
    "Managed-UserAgentRefererHeaders": "acba4595-bd28-49b8-b9fe-13317c0390fa",
}
# Elastic Load Balancing's log-delivery accounts (pulumi-aws elb.get_service_account).
ELB_ACCOUNTS = {
    "us-east-1": "127311923021", "us-east-2": "033677994240", "us-west-1": "027434742980",
    "us-west-2": "797873946194", "eu-west-1": "156460612806", "eu-west-2": "652711504416",
    "eu-west-3": "009996457667", "eu-central-1": "054676820928", "eu-north-1": "897822967062",
    "ap-southeast-1": "114774131450", "ap-southeast-2": "783225319266", "ap-northeast-1": "582318560864",
    "ap-northeast-2": "600734575887", "ap-south-1": "718504428378", "sa-east-1": "507241528517",
    "ca-central-1": "985666609251",
}


class Answers:
    def __init__(self, account: str, region: str):
        self.account = account
        self.region = region
        self.partition = ("aws-cn" if region.startswith("cn-")
                          else ("aws-us-gov" if region.startswith("us-gov-") else "aws"))
        self.answered: Dict[str, int] = {}
        self.unknown: Dict[str, int] = {}
        self.placeholders: Dict[str, int] = {}
        self.handlers: Dict[str, Callable[[Dict[str, Any]], Dict[str, Any]]] = {
            "aws:index/getCallerIdentity:getCallerIdentity": self.caller_identity,
            "aws:index/getRegion:getRegion": self.get_region,
            "aws:index/getPartition:getPartition": self.get_partition,
            "aws:index/getAvailabilityZones:getAvailabilityZones": self.availability_zones,
            "aws:index/getAvailabilityZone:getAvailabilityZone": self.availability_zone,
            "aws:index/getDefaultTags:getDefaultTags": lambda a: {"tags": {}, "id": "default-tags"},
            "aws:iam/getPolicyDocument:getPolicyDocument": self.policy_document,
            "aws:ec2/getAmi:getAmi": self.ami,
            "aws:ec2/getAmiIds:getAmiIds": self.ami_ids,
            "aws:ec2/getVpc:getVpc": self.vpc,
            "aws:ec2/getVpcs:getVpcs": self.vpcs,
            "aws:ec2/getSubnets:getSubnets": self.subnets,
            "aws:ec2/getSubnetIds:getSubnetIds": self.subnets,
            "aws:ec2/getSubnet:getSubnet": self.subnet,
            "aws:ec2/getRouteTable:getRouteTable": self.route_table,
            "aws:ec2/getSecurityGroup:getSecurityGroup": self.security_group,
            "aws:ec2/getSecurityGroups:getSecurityGroups": self.security_groups,
            "aws:ec2/getInternetGateway:getInternetGateway": self.internet_gateway,
            "aws:route53/getZone:getZone": self.zone,
            "aws:ecr/getAuthorizationToken:getAuthorizationToken": self.ecr_token,
            "aws:ecr/getCredentials:getCredentials": self.ecr_credentials,
            "aws:ecr/getImage:getImage": self.ecr_image,
            "aws:ecr/getRepository:getRepository": self.ecr_repository,
            "aws:acm/getCertificate:getCertificate": self.certificate,
            "aws:ssm/getParameter:getParameter": self.ssm_parameter,
            "aws:secretsmanager/getSecret:getSecret": self.secret,
            "aws:secretsmanager/getSecretVersion:getSecretVersion": self.secret_version,
            "aws:kms/getKey:getKey": self.kms_key,
            "aws:kms/getAlias:getAlias": self.kms_alias,
            "aws:iam/getRole:getRole": self.iam_role,
            "aws:iam/getPolicy:getPolicy": self.iam_policy,
            "aws:elb/getServiceAccount:getServiceAccount": self.elb_service_account,
            "aws:lb/getServiceAccount:getServiceAccount": self.elb_service_account,
            "aws:cloudfront/getCachePolicy:getCachePolicy": self.cache_policy,
            "aws:cloudfront/getOriginRequestPolicy:getOriginRequestPolicy": self.origin_request_policy,
            "aws:eks/getCluster:getCluster": self.eks_cluster,
            "aws:eks/getClusterAuth:getClusterAuth": self.eks_cluster_auth,
        }

    # -- the protocol runner.py uses ---------------------------------------------------------------
    def answer(self, token: str, args: Dict[str, Any]) -> Optional[Dict[str, Any]]:
        """A known result, or None: the invoke's result is unknown (as in a preview that cannot resolve it)."""
        handler = self.handlers.get(token)
        if handler is None:
            self.unknown[token] = self.unknown.get(token, 0) + 1
            return None
        self.answered[token] = self.answered.get(token, 0) + 1
        return handler(args or {})

    def placeholder(self, token: str, typ: type) -> Optional[Dict[str, Any]]:
        """A plain-form invoke's result cannot be unknown in the Python SDK: values built from its result type."""
        fields = _result_fields(typ)
        if fields is None:
            return None
        self.placeholders[token] = self.placeholders.get(token, 0) + 1
        if token in self.unknown:
            self.unknown[token] -= 1
            if not self.unknown[token]:
                del self.unknown[token]
        short = token.rsplit(":", 1)[-1]
        out: Dict[str, Any] = {}
        for wire, annotation in fields.items():
            out[wire] = _placeholder_value(annotation, f"offline-{short}-{wire}")
        return out

    def report(self) -> Dict[str, Any]:
        return {"answered": dict(sorted(self.answered.items())), "unknown": dict(sorted(self.unknown.items())),
                "placeholders": dict(sorted(self.placeholders.items()))}

    # -- helpers -----------------------------------------------------------------------------------
    def arn(self, service: str, resource: str, region: Optional[str] = None, account: Optional[str] = None) -> str:
        region = self.region if region is None else region
        account = self.account if account is None else account
        return f"arn:{self.partition}:{service}:{region}:{account}:{resource}"

    def _rid(self, prefix: str, seed: Any) -> str:
        return f"{prefix}-0{_hex(prefix + json.dumps(seed, sort_keys=True, default=str), 16)}"

    # -- answers -----------------------------------------------------------------------------------
    def caller_identity(self, a):
        return {"accountId": self.account, "arn": f"arn:{self.partition}:iam::{self.account}:user/preflight-offline",
                "userId": "AIDAPREFLIGHTOFFLINE0", "id": self.account}

    def get_region(self, a):
        name = a.get("name") or a.get("region") or self.region
        return {"name": name, "region": name, "id": name, "description": name,
                "endpoint": f"ec2.{name}.amazonaws.com"}

    def get_partition(self, a):
        return {"partition": self.partition, "id": self.partition,
                "dnsSuffix": "amazonaws.com.cn" if self.partition == "aws-cn" else "amazonaws.com",
                "reverseDnsPrefix": "cn.com.amazonaws" if self.partition == "aws-cn" else "com.amazonaws"}

    def _zone_ids(self):
        short = "".join(p[0] for p in self.region.split("-")[:-1]) + self.region.split("-")[-1]
        return [f"{short}-az{i + 1}" for i in range(3)]

    def availability_zones(self, a):
        names = [f"{self.region}{s}" for s in "abc"]
        return {"names": names, "zoneIds": self._zone_ids(), "id": self.region,
                "groupNames": [self.region], "state": a.get("state") or "available"}

    def availability_zone(self, a):
        name = a.get("name") or f"{self.region}a"
        return {"name": name, "zoneId": self._zone_ids()[0], "id": name, "region": self.region,
                "state": "available", "nameSuffix": name[-1:], "groupName": self.region,
                "networkBorderGroup": self.region, "optInStatus": "opt-in-not-required",
                "zoneType": "availability-zone"}

    def policy_document(self, a):
        doc = policy_document(a)
        text = json.dumps(doc, indent=2)
        return {"json": text, "minifiedJson": json.dumps(doc, separators=(",", ":")),
                "id": str(int(_hex(text, 8), 16))}

    def ami(self, a):
        ident = f"ami-0{_hex(json.dumps(a, sort_keys=True), 16)}"
        owner = _first(a.get("owners")) or "137112412989"
        if owner in ("amazon", "self", "aws-marketplace"):
            owner = {"amazon": "137112412989", "self": self.account}.get(owner, "679593333241")
        name = _filter(a, "name") or "al2023-ami-2023.6.20250101.0-kernel-6.1-x86_64"
        name = str(name).replace("*", "0")
        arch = _filter(a, "architecture") or ("arm64" if "arm64" in name else "x86_64")
        return {"id": ident, "imageId": ident, "arn": self.arn("ec2", f"image/{ident}", account=""),
                "name": name, "ownerId": owner, "owners": a.get("owners") or [],
                "mostRecent": bool(a.get("mostRecent")),
                "filters": a.get("filters") or [], "architecture": arch, "blockDeviceMappings": [
                    {"deviceName": "/dev/xvda", "ebs": {"encrypted": "false", "volume_size": "8",
                                                         "volume_type": "gp3", "delete_on_termination": "true",
                                                         "snapshot_id": f"snap-0{_hex(ident, 16)}", "iops": "3000",
                                                         "throughput": "125"},
                     "noDevice": "", "virtualName": ""}],
                "bootMode": "uefi-preferred", "creationDate": "2025-01-01T00:00:00.000Z",
                "deprecationTime": "2027-01-01T00:00:00.000Z", "description": name, "enaSupport": True,
                "executableUsers": a.get("executableUsers") or [], "hypervisor": "xen",
                "imageLocation": f"amazon/{name}", "imageOwnerAlias": "amazon", "imageType": "machine",
                "imdsSupport": "v2.0", "includeDeprecated": bool(a.get("includeDeprecated")), "kernelId": "",
                "lastLaunchedTime": "", "platform": "", "platformDetails": "Linux/UNIX", "productCodes": [],
                "public": True, "ramdiskId": "", "rootDeviceName": "/dev/xvda", "rootDeviceType": "ebs",
                "rootSnapshotId": f"snap-0{_hex(ident, 16)}", "sriovNetSupport": "simple", "state": "available",
                "stateReason": {"code": "UNSET", "message": "UNSET"}, "tags": {}, "tpmSupport": "",
                "uefiData": "", "usageOperation": "RunInstances", "virtualizationType": "hvm",
                "region": self.region, "nameRegex": a.get("nameRegex")}

    def ami_ids(self, a):
        ident = f"ami-0{_hex(json.dumps(a, sort_keys=True), 16)}"
        return {"id": self.region, "ids": [ident], "owners": a.get("owners") or [], "filters": a.get("filters") or [],
                "region": self.region}

    def _vpc_id(self, a):
        return a.get("id") or _filter(a, "vpc-id") or self._rid("vpc", {"default": a.get("default"),
                                                                      "tags": a.get("tags"),
                                                                      "filters": a.get("filters")})

    def vpc(self, a):
        ident = self._vpc_id(a)
        cidr = a.get("cidrBlock") or ("172.31.0.0/16" if a.get("default") else "10.0.0.0/16")
        return {"id": ident, "arn": self.arn("ec2", f"vpc/{ident}"), "cidrBlock": cidr,
                "cidrBlockAssociations": [{"associationId": f"vpc-cidr-assoc-0{_hex(ident, 16)}", "cidrBlock": cidr,
                                           "state": "associated"}],
                "default": bool(a.get("default")), "dhcpOptionsId": f"dopt-0{_hex(ident, 16)}",
                "enableDnsHostnames": True, "enableDnsSupport": True, "enableNetworkAddressUsageMetrics": False,
                "filters": a.get("filters") or [], "instanceTenancy": "default", "ipv6AssociationId": "",
                "ipv6CidrBlock": "", "mainRouteTableId": f"rtb-0{_hex(ident, 16)}", "ownerId": self.account,
                "state": "available", "tags": a.get("tags") or {}, "region": self.region}

    def vpcs(self, a):
        return {"id": self.region, "ids": [self._vpc_id(a)], "filters": a.get("filters") or [],
                "tags": a.get("tags") or {}, "region": self.region}

    def subnets(self, a):
        seed = {"filters": a.get("filters"), "tags": a.get("tags"), "vpcId": a.get("vpcId")}
        ids = [self._rid("subnet", [seed, i]) for i in range(3)]
        return {"id": self.region, "ids": ids, "filters": a.get("filters") or [], "tags": a.get("tags") or {},
                "region": self.region, "vpcId": a.get("vpcId")}

    def subnet(self, a):
        ident = a.get("id") or _filter(a, "subnet-id") or self._rid("subnet", a)
        index = int(_hex(ident, 2), 16) % 3
        vpc = a.get("vpcId") or _filter(a, "vpc-id") or self._rid("vpc", {"subnet": ident})
        az = a.get("availabilityZone") or _filter(a, "availability-zone") or f"{self.region}{'abc'[index]}"
        cidr = a.get("cidrBlock") or f"10.0.{index * 16}.0/20"
        return {"id": ident, "arn": self.arn("ec2", f"subnet/{ident}"), "vpcId": vpc, "availabilityZone": az,
                "availabilityZoneId": self._zone_ids()[index], "availableIpAddressCount": 4091, "cidrBlock": cidr,
                "assignIpv6AddressOnCreation": False, "customerOwnedIpv4Pool": "",
                "defaultForAz": bool(a.get("defaultForAz")),
                "enableDns64": False, "enableLniAtDeviceIndex": 0, "enableResourceNameDnsARecordOnLaunch": False,
                "enableResourceNameDnsAaaaRecordOnLaunch": False, "filters": a.get("filters") or [],
                "ipv6CidrBlock": "", "ipv6CidrBlockAssociationId": "", "ipv6Native": False,
                "mapCustomerOwnedIpOnLaunch": False, "mapPublicIpOnLaunch": False, "outpostArn": "",
                "ownerId": self.account, "privateDnsHostnameTypeOnLaunch": "ip-name", "state": "available",
                "tags": a.get("tags") or {}, "region": self.region}

    def route_table(self, a):
        ident = a.get("routeTableId") or self._rid("rtb", a)
        vpc = a.get("vpcId") or self._rid("vpc", {"rtb": ident})
        return {"id": ident, "routeTableId": ident, "arn": self.arn("ec2", f"route-table/{ident}"), "vpcId": vpc,
                "ownerId": self.account, "subnetId": a.get("subnetId") or "", "gatewayId": a.get("gatewayId") or "",
                "associations": [{"routeTableAssociationId": f"rtbassoc-0{_hex(ident, 16)}", "routeTableId": ident,
                                  "subnetId": a.get("subnetId") or "", "gatewayId": "", "main": not a.get("subnetId")}],
                "routes": [{"cidrBlock": "0.0.0.0/0", "gatewayId": self._rid("igw", vpc), "carrierGatewayId": "",
                            "coreNetworkArn": "", "destinationPrefixListId": "", "egressOnlyGatewayId": "",
                            "instanceId": "", "ipv6CidrBlock": "", "localGatewayId": "", "natGatewayId": "",
                            "networkInterfaceId": "", "transitGatewayId": "", "vpcEndpointId": "",
                            "vpcPeeringConnectionId": ""}],
                "propagatingVgws": [], "filters": a.get("filters") or [], "tags": a.get("tags") or {},
                "region": self.region}

    def security_group(self, a):
        ident = a.get("id") or _filter(a, "group-id") or self._rid("sg", a)
        name = a.get("name") or _filter(a, "group-name") or "default"
        vpc = a.get("vpcId") or _filter(a, "vpc-id") or self._rid("vpc", {"sg": ident})
        return {"id": ident, "arn": self.arn("ec2", f"security-group/{ident}"), "name": name,
                "description": f"{name} security group", "vpcId": vpc, "filters": a.get("filters") or [],
                "tags": a.get("tags") or {}, "region": self.region}

    def security_groups(self, a):
        ident = self._rid("sg", a)
        vpc = _filter(a, "vpc-id") or self._rid("vpc", {"sg": ident})
        return {"id": self.region, "ids": [ident], "arns": [self.arn("ec2", f"security-group/{ident}")],
                "vpcIds": [vpc], "filters": a.get("filters") or [], "tags": a.get("tags") or {}, "region": self.region}

    def internet_gateway(self, a):
        ident = a.get("internetGatewayId") or self._rid("igw", a)
        vpc = _filter(a, "attachment.vpc-id") or self._rid("vpc", {"igw": ident})
        return {"id": ident, "internetGatewayId": ident, "arn": self.arn("ec2", f"internet-gateway/{ident}"),
                "attachments": [{"state": "available", "vpcId": vpc}], "ownerId": self.account,
                "filters": a.get("filters") or [], "tags": a.get("tags") or {}, "region": self.region}

    def zone(self, a):
        name = (a.get("name") or "example.com").rstrip(".")
        zone_id = a.get("zoneId") or ("Z0" + _hex(name + str(a.get("privateZone")), 18).upper())
        return {"id": zone_id, "zoneId": zone_id, "arn": f"arn:{self.partition}:route53:::hostedzone/{zone_id}",
                "name": name, "nameServers": [f"ns-{100 + i}.awsdns-{10 + i}.{tld}" for i, tld in
                                              enumerate(["com", "net", "org", "co.uk"])],
                "primaryNameServer": "ns-100.awsdns-10.com", "privateZone": bool(a.get("privateZone")),
                "vpcId": a.get("vpcId") or "", "comment": "", "callerReference": _uuid(name),
                "resourceRecordSetCount": 2, "linkedServiceDescription": "", "linkedServicePrincipal": "",
                "enableAcceleratedRecovery": False, "tags": a.get("tags") or {}}

    def _ecr(self, registry: Optional[str]):
        registry = registry or self.account
        password = "offline-ecr-password-" + _hex(registry, 12)
        token = base64.b64encode(f"AWS:{password}".encode()).decode()
        return {"authorizationToken": token, "expiresAt": "2030-01-01T00:00:00Z", "id": self.region,
                "password": password, "proxyEndpoint": f"https://{registry}.dkr.ecr.{self.region}.amazonaws.com",
                "userName": "AWS"}

    def ecr_token(self, a):
        out = self._ecr(a.get("registryId"))
        out.update({"registryId": a.get("registryId") or self.account, "region": self.region})
        return out

    def ecr_credentials(self, a):
        registry = a.get("registryId") or self.account
        out = self._ecr(registry)
        return {"authorizationToken": out["authorizationToken"], "expiresAt": out["expiresAt"], "id": registry,
                "proxyEndpoint": out["proxyEndpoint"], "registryId": registry}

    def ecr_image(self, a):
        repo = a.get("repositoryName") or "app"
        registry = a.get("registryId") or self.account
        digest = a.get("imageDigest") or (
            "sha256:" + hashlib.sha256(json.dumps(a, sort_keys=True).encode()).hexdigest())
        tag = a.get("imageTag") or ("latest" if not a.get("imageDigest") else "")
        return {"id": digest, "imageDigest": digest, "imagePushedAt": 1735689600, "imageSizeInBytes": 52428800,
                "imageTag": a.get("imageTag"), "imageTags": [tag] if tag else [], "mostRecent": a.get("mostRecent"),
                "registryId": registry, "repositoryName": repo,
                "imageUri": f"{registry}.dkr.ecr.{self.region}.amazonaws.com/{repo}@{digest}", "region": self.region}

    def ecr_repository(self, a):
        name = a.get("name") or "app"
        registry = a.get("registryId") or self.account
        return {"id": name, "name": name, "arn": self.arn("ecr", f"repository/{name}"), "registryId": registry,
                "repositoryUrl": f"{registry}.dkr.ecr.{self.region}.amazonaws.com/{name}",
                "encryptionConfigurations": [{"encryptionType": "AES256", "kmsKey": ""}],
                "imageScanningConfigurations": [{"scanOnPush": True}], "imageTagMutability": "IMMUTABLE",
                "mostRecentImageTags": ["latest"], "tags": a.get("tags") or {}, "region": self.region}

    def certificate(self, a):
        domain = a.get("domain") or "example.com"
        ident = self.arn("acm", f"certificate/{_uuid(domain + json.dumps(a, sort_keys=True))}")
        return {"arn": ident, "id": ident, "domain": domain, "certificate": "", "certificateChain": "",
                "keyTypes": a.get("keyTypes") or ["RSA_2048"], "mostRecent": bool(a.get("mostRecent")),
                "status": "ISSUED", "statuses": a.get("statuses") or ["ISSUED"],
                "types": a.get("types") or ["AMAZON_ISSUED"],
                "tags": a.get("tags") or {}, "region": self.region}

    def ssm_parameter(self, a):
        name = a.get("name") or "/offline/parameter"
        value = "offline-value-" + _hex(name, 8)
        if "/aws/service/ami" in name or "image_id" in name or "/ami/" in name:
            value = f"ami-0{_hex(name, 16)}"
        return {"arn": self.arn("ssm", "parameter/" + name.lstrip("/")), "id": name, "name": name,
                "type": "SecureString" if a.get("withDecryption") else "String", "value": value,
                "insecureValue": value, "version": 1, "withDecryption": a.get("withDecryption", True),
                "region": self.region}

    def _secret_arn(self, secret_id: str) -> str:
        if secret_id.startswith("arn:"):
            return secret_id
        return self.arn("secretsmanager", f"secret:{secret_id}-{_hex(secret_id, 6)}")

    def secret(self, a):
        name = a.get("name") or a.get("arn") or "offline-secret"
        arn = self._secret_arn(a.get("arn") or name)
        short = name.split(":secret:")[-1] if name.startswith("arn:") else name
        return {"arn": arn, "id": arn, "name": short, "description": "", "kmsKeyId": "",
                "policy": "", "createdDate": "2025-01-01T00:00:00Z", "lastChangedDate": "2025-01-01T00:00:00Z",
                "tags": a.get("tags") or {}, "region": self.region}

    def secret_version(self, a):
        secret_id = a.get("secretId") or "offline-secret"
        arn = self._secret_arn(secret_id)
        version = a.get("versionId") or _uuid(secret_id)
        stage = a.get("versionStage") or "AWSCURRENT"
        return {"arn": arn, "createdDate": "2025-01-01T00:00:00Z", "id": f"{arn}|{stage}", "secretArn": arn,
                "secretBinary": "", "secretId": secret_id,
                "secretString": json.dumps({"username": "offline", "password": "offline-" + _hex(arn, 12)}),
                "versionId": version, "versionStage": stage, "versionStages": [stage], "region": self.region}

    def kms_key(self, a):
        key = a.get("keyId") or "alias/aws/s3"
        if key.startswith("arn:") and ":key/" in key:
            key_id = key.split(":key/")[-1]
        elif re.fullmatch(r"[0-9a-f-]{36}", key):
            key_id = key
        else:
            key_id = _uuid(key)
        arn = self.arn("kms", f"key/{key_id}")
        aws_managed = key.startswith("alias/aws/")
        return {"id": key_id, "arn": arn, "keyId": key_id, "awsAccountId": self.account, "cloudHsmClusterId": "",
                "creationDate": "2025-01-01T00:00:00Z", "customKeyStoreId": "",
                "customerMasterKeySpec": "SYMMETRIC_DEFAULT", "deletionDate": "", "description": key,
                "enabled": True, "expirationModel": "", "grantTokens": a.get("grantTokens") or [],
                "keyManager": "AWS" if aws_managed else "CUSTOMER", "keySpec": "SYMMETRIC_DEFAULT",
                "keyState": "Enabled", "keyUsage": "ENCRYPT_DECRYPT", "multiRegion": False,
                "multiRegionConfigurations": [], "origin": "AWS_KMS", "pendingDeletionWindowInDays": 0,
                "validTo": "", "xksKeyConfigurations": [], "region": self.region}

    def kms_alias(self, a):
        name = a.get("name") or "alias/aws/s3"
        key_id = _uuid(name)
        return {"id": self.arn("kms", name), "arn": self.arn("kms", name), "name": name,
                "targetKeyArn": self.arn("kms", f"key/{key_id}"), "targetKeyId": key_id, "region": self.region}

    def iam_role(self, a):
        name = a.get("name") or "offline-role"
        doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                                                        "Action": "sts:AssumeRole"}]}
        return {"arn": f"arn:{self.partition}:iam::{self.account}:role/{name}", "assumeRolePolicy": json.dumps(doc),
                "createDate": "2025-01-01T00:00:00Z", "description": "", "id": name, "maxSessionDuration": 3600,
                "name": name, "path": "/", "permissionsBoundary": "",
                "roleLastUseds": [{"lastUsedDate": "", "region": ""}], "tags": a.get("tags") or {},
                "uniqueId": "AROA" + _hex(name, 17).upper()}

    def iam_policy(self, a):
        arn = a.get("arn") or (f"arn:{self.partition}:iam::{self.account}:policy/"
                               f"{a.get('pathPrefix') or ''}{a.get('name') or 'offline-policy'}")
        name = a.get("name") or arn.rsplit("/", 1)[-1]
        doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
        return {"arn": arn, "attachmentCount": 1, "description": "", "id": arn, "name": name,
                "path": "/", "pathPrefix": a.get("pathPrefix"), "policy": json.dumps(doc),
                "policyId": "ANPA" + _hex(arn, 17).upper(), "tags": a.get("tags") or {}}

    def elb_service_account(self, a):
        region = a.get("region") or self.region
        account = ELB_ACCOUNTS.get(region, "127311923021")
        return {"id": account, "arn": f"arn:{self.partition}:iam::{account}:root", "region": region}

    def cache_policy(self, a):
        name = a.get("name") or "Managed-CachingOptimized"
        ident = a.get("id") or CACHE_POLICIES.get(name) or _uuid(name)
        return {"id": ident, "name": name, "comment": "", "defaultTtl": 86400, "maxTtl": 31536000, "minTtl": 1,
                "etag": "E" + _hex(ident, 13).upper(),
                "arn": f"arn:{self.partition}:cloudfront::{self.account}:cache-policy/{ident}",
                "parametersInCacheKeyAndForwardedToOrigins": [{
                    "cookiesConfigs": [{"cookieBehavior": "none", "cookies": []}],
                    "headersConfigs": [{"headerBehavior": "none", "headers": []}],
                    "queryStringsConfigs": [{"queryStringBehavior": "none", "queryStrings": []}],
                    "enableAcceptEncodingBrotli": True, "enableAcceptEncodingGzip": True}]}

    def origin_request_policy(self, a):
        name = a.get("name") or "Managed-AllViewer"
        ident = a.get("id") or ORIGIN_REQUEST_POLICIES.get(name) or _uuid(name)
        return {"id": ident, "name": name, "comment": "", "etag": "E" + _hex(ident, 13).upper(),
                "arn": f"arn:{self.partition}:cloudfront::{self.account}:origin-request-policy/{ident}",
                "cookiesConfigs": [{"cookieBehavior": "all", "cookies": []}],
                "headersConfigs": [{"headerBehavior": "allViewer", "headers": []}],
                "queryStringsConfigs": [{"queryStringBehavior": "all", "queryStrings": []}]}

    def eks_cluster(self, a):
        name = a.get("name") or "offline-cluster"
        host = _hex(name, 32).upper()
        ca = base64.b64encode(b"-----BEGIN CERTIFICATE-----\nOFFLINE\n-----END CERTIFICATE-----\n").decode()
        vpc = self._rid("vpc", {"eks": name})
        return {"id": name, "name": name, "arn": self.arn("eks", f"cluster/{name}"), "clusterId": "",
                "endpoint": f"https://{host}.gr7.{self.region}.eks.amazonaws.com", "status": "ACTIVE",
                "version": "1.31", "platformVersion": "eks.1",
                "roleArn": f"arn:{self.partition}:iam::{self.account}:role/{name}-role",
                "createdAt": "2025-01-01T00:00:00Z", "deletionProtection": False,
                "enabledClusterLogTypes": ["api", "audit"], "certificateAuthorities": [{"data": ca}],
                "identities": [{"oidcs": [{"issuer": f"https://oidc.eks.{self.region}.amazonaws.com/id/{host}"}]}],
                "vpcConfig": {"clusterSecurityGroupId": self._rid("sg", {"eks": name}), "endpointPrivateAccess": True,
                              "endpointPublicAccess": False, "publicAccessCidrs": [], "securityGroupIds": [],
                              "subnetIds": [self._rid("subnet", [name, i]) for i in range(2)], "vpcId": vpc},
                "accessConfigs": [{"authenticationMode": "API_AND_CONFIG_MAP",
                                   "bootstrapClusterCreatorAdminPermissions": True}],
                "computeConfigs": [],
                "kubernetesNetworkConfigs": [{"ipFamily": "ipv4", "serviceIpv4Cidr": "172.20.0.0/16",
                                              "serviceIpv6Cidr": "", "elasticLoadBalancings": []}],
                "outpostConfigs": [], "remoteNetworkConfigs": [], "storageConfigs": [],
                "upgradePolicies": [{"supportType": "STANDARD"}], "zonalShiftConfigs": [],
                "tags": a.get("tags") or {}, "region": self.region}

    def eks_cluster_auth(self, a):
        name = a.get("name") or "offline-cluster"
        return {"id": name, "name": name, "token": "k8s-aws-v1.offline-" + _hex(name, 24), "region": self.region}


def policy_document(args: Dict[str, Any]) -> Dict[str, Any]:
    """Render aws.iam.get_policy_document's statements the way the provider does (enough for policies)."""
    def one_or_list(values):
        values = list(values or [])
        return values[0] if len(values) == 1 else values

    statements = []
    for s in args.get("statements") or []:
        out: Dict[str, Any] = {}
        if s.get("sid"):
            out["Sid"] = s["sid"]
        out["Effect"] = s.get("effect") or "Allow"
        for key, name in (("actions", "Action"), ("notActions", "NotAction"), ("resources", "Resource"),
                          ("notResources", "NotResource")):
            if s.get(key):
                out[name] = one_or_list(s[key])
        for key, name in (("principals", "Principal"), ("notPrincipals", "NotPrincipal")):
            if s.get(key):
                principal: Any = {}
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
    doc: Dict[str, Any] = {"Version": args.get("version") or "2012-10-17", "Statement": statements}
    if args.get("policyId"):
        doc["Id"] = args["policyId"]
    return doc


def _result_fields(typ: type) -> Optional[Dict[str, str]]:
    """wire name -> annotation text, from an @output_type result class's getters."""
    fields: Dict[str, str] = {}
    for attr in dir(typ):
        prop = getattr(typ, attr, None)
        fget = getattr(prop, "fget", None)
        if fget is None:
            continue
        wire = getattr(fget, "_pulumi_name", None)
        if not wire:
            continue
        annotation = getattr(fget, "__annotations__", {}).get("return", "")
        fields[wire] = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", str(annotation))
    return fields or None


def _placeholder_value(annotation: str, text: str) -> Any:
    a = annotation.replace("_builtins.", "").replace("builtins.", "").strip()
    if a.startswith("Optional["):
        return None
    if a.startswith(("Sequence", "List", "list")):
        return []
    if a.startswith(("Mapping", "Dict", "dict")):
        return {}
    if a in ("bool",):
        return False
    if a in ("int",):
        return 0
    if a in ("float",):
        return 0.0
    if a in ("str",):
        return text
    return None
