"""Network exposure: world-open admin, database and all-port ingress, the default security group, VPC flow logs,
public IPs on subnets and instances, and the instance metadata service (IMDSv2).
"""
from __future__ import annotations

from .. import tokens as T
from ..helpers import (all_traffic, as_list, companion_policy, ingress_covers, not_true, property_policy,
                       short_type, truthy, world_open_ingress)
from ..model import Report, resource_policy
from ..resource import UNKNOWN, Resource, Stack, is_unknown
from ..model import unknown_during_preview

_DATABASE_PORTS = {
    1433: "SQL Server", 1521: "Oracle", 2483: "Oracle", 2484: "Oracle", 3306: "MySQL/Aurora",
    5432: "PostgreSQL", 5439: "Redshift", 6379: "Redis/Valkey", 7000: "Cassandra", 7001: "Cassandra",
    8182: "Neptune", 9042: "Cassandra", 9200: "OpenSearch/Elasticsearch", 9300: "OpenSearch/Elasticsearch",
    11211: "Memcached", 27017: "MongoDB/DocumentDB", 27018: "MongoDB", 27019: "MongoDB",
}


def _every_port(rule) -> bool:
    from_port, to_port, protocol = rule
    return all_traffic(protocol) or (from_port in (0, -1) and to_port == 65535)


_ADMIN_PORTS = {22: "SSH", 3389: "RDP"}


@resource_policy(
    name="security-group-no-world-admin-ports",
    title="Security groups must not open SSH or RDP to the internet",
    checklist=("security.api", "infra.separation"), severity="critical",
    cross_references=("Checkov:CKV_AWS_24", "Prowler:ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22"),
    types=(T.SECURITY_GROUP, T.SECURITY_GROUP_RULE, T.VPC_INGRESS_RULE),
    remediation="Remove the 0.0.0.0/0 and ::/0 ingress on ports 22/3389; reach instances with SSM Session "
                "Manager (no inbound port) or allow only a known CIDR or a security group.",
)
def security_group_no_world_admin_ports(r: Resource, report: Report) -> None:
    open_rules = world_open_ingress(r)
    ports = [p for p in sorted(_ADMIN_PORTS) if any(ingress_covers(rule, p) for rule in open_rules)]
    if ports:
        named = ", ".join(f"{p} ({_ADMIN_PORTS[p]})" for p in ports)
        report(f"{short_type(r.type)} '{r.name}' opens {named} to the internet; remove the world CIDR and use "
               f"SSM Session Manager or a known CIDR")


@resource_policy(
    name="security-group-no-world-database-ports",
    title="Security groups must not open database ports to the internet",
    checklist=("security.api", "infra.separation"), severity="critical",
    types=T.SECURITY_GROUP_INGRESS,
    config={"ports": {"type": "array", "items": {"type": "integer"}, "default": sorted(_DATABASE_PORTS),
                      "description": "Database and cache ports that must never be reachable from 0.0.0.0/0 or ::/0."}},
    remediation="Remove the 0.0.0.0/0 and ::/0 ingress on database ports; allow the application's security group "
                "instead (source_security_group_id / referenced_security_group_id) and keep databases in private "
                "subnets.",
)
def security_group_no_world_database_ports(r: Resource, report: Report) -> None:
    # Config numbers arrive as floats over the wire (protobuf Struct).
    ports = [int(p) for p in (r.config.get("ports") or sorted(_DATABASE_PORTS))]
    rules = [rule for rule in world_open_ingress(r) if not _every_port(rule)]  # those are the all-ports policy's
    exposed = [p for p in ports if any(ingress_covers(rule, p) for rule in rules)]
    if exposed:
        named = ", ".join(f"{p} ({_DATABASE_PORTS[p]})" if p in _DATABASE_PORTS else str(p) for p in exposed)
        report(f"{short_type(r.type)} '{r.name}' opens database port(s) {named} to the internet; allow only the "
               f"application's security group")


@resource_policy(
    name="security-group-no-world-all-ports",
    title="Security groups must not open every port to the internet",
    checklist=("security.api", "infra.separation"), severity="critical",
    cross_references=("Prowler:ec2_securitygroup_allow_ingress_from_internet_to_all_ports",),
    types=T.SECURITY_GROUP_INGRESS,
    remediation="Replace the all-traffic (protocol '-1' or ports 0-65535) world ingress with the one port the "
                "service listens on (e.g. 443), or put the service behind a load balancer.",
)
def security_group_no_world_all_ports(r: Resource, report: Report) -> None:
    if any(_every_port(rule) for rule in world_open_ingress(r)):
        report(f"{short_type(r.type)} '{r.name}' opens every port to the internet (0.0.0.0/0 or ::/0); allow only "
               f"the port the service listens on")


@resource_policy(
    name="default-security-group-no-rules",
    title="The default security group of a VPC must have no rules",
    checklist=("security.api", "infra.separation"), severity="high",
    cross_references=("Prowler:ec2_securitygroup_default_restrict_traffic",),
    types=(T.DEFAULT_SECURITY_GROUP,),
    remediation="Declare aws.ec2.DefaultSecurityGroup(vpc_id=vpc.id) with no ingress and no egress: Pulumi then "
                "removes AWS's allow-all rules, and resources must use purpose-made security groups.",
)
def default_security_group_no_rules(r: Resource, report: Report) -> None:
    ingress, egress = r.peek("ingress"), r.peek("egress")
    if is_unknown(ingress) or is_unknown(egress):
        unknown_during_preview("the rules", "are")
    present = [kind for kind, rules in (("ingress", ingress), ("egress", egress)) if as_list(rules)]
    if present:
        report(f"default security group '{r.name}' keeps {' and '.join(present)} rules; remove them so nothing "
               f"can use the default group by accident")


def _judge_flow_logs(vpc, flow_logs):
    traffic = [f.peek("trafficType") for f in flow_logs]
    if any(is_unknown(t) for t in traffic):
        return UNKNOWN
    if "ALL" not in traffic:
        seen = f" (only {', '.join(map(str, traffic))})" if traffic else ""
        return (f"VPC '{vpc.name}' has no flow log capturing ALL traffic{seen}; add aws.ec2.FlowLog(vpc_id=vpc.id, "
                f"traffic_type='ALL') to CloudWatch Logs or S3 (components.Network does)")
    return None


vpc_flow_logs = companion_policy(
    name="vpc-flow-logs",
    title="Every VPC must have a flow log capturing all traffic",
    checklist=("compliance.audit-logging", "observability.logging"), severity="medium",
    cross_references=("Checkov:CKV2_AWS_11", "Prowler:vpc_flow_logs_enabled"),
    subjects=(T.VPC,), companions=(T.FLOW_LOG,), link="vpcId", judge=_judge_flow_logs,
    remediation="Add aws.ec2.FlowLog(vpc_id=vpc.id, traffic_type='ALL', log_destination_type='cloud-watch-logs' or "
                "'s3', ...) for every aws.ec2.Vpc (components.Network does).",
)

subnet_no_auto_public_ip = property_policy(
    name="subnet-no-auto-public-ip",
    title="Subnets must not give every instance a public IP address",
    checklist=("infra.separation", "security.api"), severity="medium",
    types=T.SUBNET, path="mapPublicIpOnLaunch", expect=not_true,
    message="subnet '{name}' gives every instance launched in it a public IP; set map_public_ip_on_launch=False "
            "and expose services through a load balancer",
    remediation="Set map_public_ip_on_launch=False on aws.ec2.Subnet; public entry points belong on load "
                "balancers or NAT gateways (with Elastic IPs), not on instances.",
)


def _metadata_problem(r) -> object:
    endpoint = r.peek("metadataOptions.httpEndpoint")
    tokens = r.peek("metadataOptions.httpTokens")
    if is_unknown(endpoint) or is_unknown(tokens):
        return UNKNOWN
    if endpoint == "disabled" or tokens == "required":
        return None
    return tokens or "not set (optional)"


IMDS_DEFAULT = ("EC2 makes http_tokens 'optional' (IMDSv1 allowed) unless the AMI is marked ImdsSupport v2.0 or "
                "the account's instance metadata defaults require IMDSv2")


_INSTANCE_SHAPES = (T.EC2_INSTANCE, T.EC2_LAUNCH_TEMPLATE, T.EC2_LAUNCH_CONFIGURATION)


@resource_policy(
    name="ec2-imdsv2-required",
    aws_default=IMDS_DEFAULT,
    title="EC2 instances, launch templates and launch configurations must require IMDSv2 session tokens",
    checklist=("security.iam", "security.secrets"), severity="high",
    cross_references=("Prowler:ec2_instance_imdsv2_enabled",),
    types=_INSTANCE_SHAPES,
    remediation="Set metadata_options={'http_tokens': 'required', 'http_put_response_hop_limit': 1} on "
                "aws.ec2.Instance / aws.ec2.LaunchTemplate / aws.ec2.LaunchConfiguration, so an SSRF bug cannot read "
                "the instance role's credentials.",
)
def ec2_imdsv2_required(r: Resource, report: Report) -> None:
    problem = _metadata_problem(r)
    if problem is UNKNOWN:
        unknown_during_preview("metadata options", "are")
    if problem is not None:
        detail = (f"http_tokens not set: {IMDS_DEFAULT}" if r.peek("metadataOptions.httpTokens") in (None, "")
                  else f"http_tokens is {problem!r}")
        report(f"{short_type(r.type)} '{r.name}' allows IMDSv1, so one SSRF bug leaks the role's credentials "
               f"({detail}); set metadata_options http_tokens='required'")


# A hop limit above 1 lets a container (one network hop further) fetch the instance role's credentials. Its own
# policy, not part of ec2-imdsv2-required: it is a different cause with a different fix, and some nodes raise it
# on purpose (pods that must reach IMDS), so it can be configured or turned off without losing the IMDSv2 check.
@resource_policy(
    name="ec2-imds-hop-limit",
    title="EC2 instances, launch templates and launch configurations must keep the IMDS hop limit at 1",
    checklist=("security.iam", "infra.separation"), severity="medium",
    types=_INSTANCE_SHAPES,
    config={"maxHopLimit": {"type": "integer", "minimum": 1, "maximum": 64, "default": 1,
                            "description": "The largest http_put_response_hop_limit allowed (2 for nodes whose "
                                           "containers must reach the instance metadata service)."}},
    remediation="Set metadata_options={'http_put_response_hop_limit': 1} (or leave it out) on aws.ec2.Instance / "
                "aws.ec2.LaunchTemplate / aws.ec2.LaunchConfiguration; give containers their own role (ECS task "
                "roles, EKS Pod Identity or IRSA) instead of the node's.",
)
def ec2_imds_hop_limit(r: Resource, report: Report) -> None:
    # Only an explicit value is judged: AWS's own default is 1 for a launch configuration and, for instances and
    # launch templates, depends on the AMI and the account's metadata defaults, which the program does not show.
    endpoint = r.peek("metadataOptions.httpEndpoint")
    limit = r.peek("metadataOptions.httpPutResponseHopLimit")
    if is_unknown(endpoint) or is_unknown(limit):
        unknown_during_preview("metadata options", "are")
    if endpoint == "disabled" or limit is None:
        return
    allowed = int(r.config.get("maxHopLimit") or 1)
    if isinstance(limit, (int, float)) and not isinstance(limit, bool) and limit > allowed:
        report(f"{short_type(r.type)} '{r.name}' lets instance metadata answers travel {int(limit)} network hops, so "
               f"a container on the instance can take the instance role's credentials "
               f"(metadata_options.http_put_response_hop_limit is {int(limit)}); set it to {allowed}")


@resource_policy(
    name="ec2-no-public-ip",
    title="EC2 instances, launch templates and launch configurations must not assign public IP addresses",
    checklist=("infra.separation", "security.api"), severity="medium",
    types=_INSTANCE_SHAPES,
    remediation="Set associate_public_ip_address=False on aws.ec2.Instance / aws.ec2.LaunchConfiguration (and in "
                "launch template network_interfaces); reach instances through SSM Session Manager and serve traffic "
                "through a load balancer.",
)
def ec2_no_public_ip(r: Resource, report: Report) -> None:
    if r.type == T.EC2_LAUNCH_TEMPLATE:
        values = [n.get("associatePublicIpAddress") for n in as_list(r.peek("networkInterfaces"))
                  if isinstance(n, dict)]
    else:
        values = [r.peek("associatePublicIpAddress")]
    if any(truthy(v) for v in values):
        report(f"{short_type(r.type)} '{r.name}' gives instances a public IP address, reachable from the internet; "
               f"set associate_public_ip_address=False")


POLICIES = [
    security_group_no_world_admin_ports,
    security_group_no_world_database_ports,
    security_group_no_world_all_ports,
    default_security_group_no_rules,
    vpc_flow_logs,
    subnet_no_auto_public_ip,
    ec2_imdsv2_required,
    ec2_imds_hop_limit,
    ec2_no_public_ip,
]


# -- issue 13: every world-open port, the default group of every VPC, EKS/ECS exposure -------------
from .. import netrules  # noqa: E402
from ..model import stack_policy  # noqa: E402

_WEB_PORTS = (80, 443)
# Judged by security-group-no-world-admin-ports and -database-ports (its default list).
_REPORTED_ELSEWHERE = tuple(sorted(_ADMIN_PORTS)) + tuple(sorted(_DATABASE_PORTS))


@resource_policy(
    name="security-group-no-world-ingress",
    title="Security groups must not open any port but 80/443 to the internet",
    checklist=("security.api", "infra.separation"), severity="high",
    cross_references=("Prowler:ec2_securitygroup_allow_ingress_from_internet_to_any_port",),
    types=T.SECURITY_GROUP_INGRESS,
    config={"allowedPorts": {"type": "array", "items": {"type": "integer"}, "default": list(_WEB_PORTS),
                             "description": "TCP/UDP ports that may be open to 0.0.0.0/0 and ::/0 (web traffic)."}},
    remediation="Open only 80/443 to the internet (behind a load balancer); allow every other port from a known "
                "CIDR or a security group (source_security_group_id / referenced_security_group_id), and reach "
                "hosts with SSM Session Manager. CIDR sets that add up to the internet (0.0.0.0/1 + 128.0.0.0/1) "
                "are the internet too. (SSH/RDP, database ports and all-traffic rules are reported by their own "
                "policies.)",
)
def security_group_no_world_ingress(r: Resource, report: Report) -> None:
    # One finding per cause: SSH/RDP, the database ports and all-traffic rules have policies of their own that
    # say more (critical, with the service named), so this one reports every other port and leaves those out.
    allowed = tuple(int(p) for p in (r.config.get("allowedPorts") or _WEB_PORTS)) + _REPORTED_ELSEWHERE
    exposed = [e for e in (netrules.exposed_ports(rule, allowed) for rule in netrules.world_open_ingress(r)
                           if not _every_port(rule)) if e]
    if exposed:
        report(f"{short_type(r.type)} '{r.name}' opens {', '.join(sorted(set(exposed)))} to the internet (its CIDRs "
               f"cover all addresses); allow a known CIDR or a security group instead")


@stack_policy(
    name="vpc-default-security-group-restricted",
    title="Every VPC's default security group must be emptied (aws.ec2.DefaultSecurityGroup with no rules)",
    checklist=("security.api", "infra.separation"), severity="medium",
    cross_references=("Checkov:CKV2_AWS_12",),
    types=(T.VPC, T.DEFAULT_SECURITY_GROUP),
    remediation="Add aws.ec2.DefaultSecurityGroup(vpc_id=vpc.id) with no ingress and no egress for every aws.ec2.Vpc: "
                "AWS creates each VPC's default group allowing all traffic within the group and all egress, and "
                "anything launched without a security group lands in it (components.Network does).",
)
def vpc_default_security_group_restricted(stack: Stack, report: Report) -> None:
    for vpc in stack.of_type(T.VPC):
        if not stack.referencing(vpc, "vpcId", T.DEFAULT_SECURITY_GROUP):
            report(f"VPC '{vpc.name}' keeps AWS's default security group (all traffic between its members, all "
                   f"egress): anything launched without a group lands in it; add aws.ec2.DefaultSecurityGroup("
                   f"vpc_id=vpc.id) with no rules (components.Network does)", vpc.urn)


EKS_ENDPOINT_DEFAULT = "EKS serves the Kubernetes API on a public endpoint open to 0.0.0.0/0 by default"


@resource_policy(
    name="eks-endpoint-not-public",
    aws_default=EKS_ENDPOINT_DEFAULT,
    title="EKS cluster API endpoints must not be open to the whole internet",
    checklist=("security.api", "infra.separation"), severity="high",
    cross_references=("Checkov:CKV_AWS_39", "Checkov:CKV_AWS_38", "Prowler:eks_cluster_not_publicly_accessible"),
    types=(T.EKS_CLUSTER,),
    remediation="Set vpc_config={'endpoint_private_access': True, 'endpoint_public_access': False} on aws.eks.Cluster "
                "(or keep the public endpoint with public_access_cidrs limited to your office/CI ranges); the "
                "provider default is a public endpoint open to 0.0.0.0/0.",
)
def eks_endpoint_not_public(r: Resource, report: Report) -> None:
    public = r.peek("vpcConfig.endpointPublicAccess", True)
    cidrs = r.peek("vpcConfig.publicAccessCidrs")
    if is_unknown(public) or is_unknown(cidrs) or any(is_unknown(c) for c in as_list(cidrs)):
        unknown_during_preview("the endpoint settings", "are")
    if public is False:
        return
    cidrs = as_list(cidrs) or ["0.0.0.0/0"]
    if netrules.covers_internet(cidrs):
        why_public = (f" (vpc_config.endpoint_public_access not set: {EKS_ENDPOINT_DEFAULT})"
                      if r.peek("vpcConfig.endpointPublicAccess") is None else "")
        report(f"EKS cluster '{r.name}' lets anyone on the internet reach its Kubernetes API{why_public}; "
               f"set endpoint_public_access=False (endpoint_private_access=True) or limit "
               f"public_access_cidrs")


def _ecs_public_ip_settings(r):
    if r.type == T.ECS_SERVICE:
        return [r.peek("networkConfiguration.assignPublicIp")]
    if r.type == T.EVENT_TARGET:
        return [r.peek("ecsTarget.networkConfiguration.assignPublicIp")]
    return [r.peek("target.ecsParameters.networkConfiguration.assignPublicIp")]


@resource_policy(
    name="ecs-no-public-ip",
    title="ECS services and scheduled tasks must not give tasks public IP addresses",
    checklist=("infra.separation", "security.api"), severity="high",
    cross_references=("Checkov:CKV_AWS_333", "Prowler:ecs_service_no_assign_public_ip"),
    types=(T.ECS_SERVICE, T.EVENT_TARGET, T.SCHEDULER_SCHEDULE),
    remediation="Set network_configuration={'assign_public_ip': False, 'subnets': private_subnet_ids, ...} on "
                "aws.ecs.Service (and on EventBridge / Scheduler ECS targets); pull images through a NAT gateway or "
                "VPC endpoints and serve traffic through a load balancer.",
)
def ecs_no_public_ip(r: Resource, report: Report) -> None:
    if any(truthy(v) for v in _ecs_public_ip_settings(r)):
        report(f"{short_type(r.type)} '{r.name}' gives its tasks public IP addresses, reachable from the internet "
               f"past the load balancer; set assign_public_ip=False and run them in private subnets")


POLICIES += [
    security_group_no_world_ingress,
    vpc_default_security_group_restricted,
    eks_endpoint_not_public,
    ecs_no_public_ip,
]


def _group_key(rule):
    deps = rule.property_dependency_urns.get("securityGroupId", ())
    if deps:
        return tuple(sorted(deps))
    value = rule.peek("securityGroupId")
    return value if isinstance(value, str) and not is_unknown(value) else None


@stack_policy(
    name="security-group-rules-together-not-world-open",
    title="Separate ingress rules of one security group must not add up to the whole internet",
    checklist=("security.api", "infra.separation"), severity="high",
    types=(T.SECURITY_GROUP_RULE, T.VPC_INGRESS_RULE),
    remediation="Replace the rules whose CIDRs add up to all addresses (0.0.0.0/1 + 128.0.0.0/1, ...) with a known "
                "CIDR or a referenced security group; only 80/443 may face the internet.",
)
def security_group_rules_together_not_world_open(stack: Stack, report: Report) -> None:
    groups = {}
    for rule in stack.of_type(T.SECURITY_GROUP_RULE, T.VPC_INGRESS_RULE):
        key = _group_key(rule)
        if key is None or netrules.world_open_ingress(rule):
            continue  # judged alone by the resource policies
        for from_port, to_port, protocol, cidrs in netrules.ingress_rules(rule):
            if any(is_unknown(v) for v in (from_port, to_port, protocol)):
                continue
            entry = groups.setdefault((key, from_port, to_port, str(protocol)), ([], []))
            entry[0].extend(cidrs)
            entry[1].append(rule)
    for (_, from_port, to_port, protocol), (cidrs, rules) in groups.items():
        if len(rules) < 2 or not netrules.covers_internet(cidrs):
            continue
        exposed = netrules.exposed_ports((from_port, to_port, protocol), _WEB_PORTS)
        if not exposed:
            continue
        names = ", ".join(sorted({r.name for r in rules}))
        for r in rules:
            report(f"{short_type(r.type)} '{r.name}' and its sibling rules ({names}) together open {exposed} to "
                   f"the whole internet ({netrules.covers_internet(cidrs)}); allow a known CIDR or a security group",
                   r.urn)


POLICIES += [security_group_rules_together_not_world_open]
