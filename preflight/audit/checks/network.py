"""VPCs and instances in the region: flow logs, network ACLs, default security groups, IMDSv2."""
from __future__ import annotations

from typing import Dict, List

from ..model import check

NACL_ADMIN_PORTS: Dict[int, str] = {22: "SSH", 3389: "RDP"}
FLOW_LOG_TRAFFIC = ("ALL", "REJECT")


def vpcs(ctx) -> List[dict]:
    return ctx.items("ec2", "describe_vpcs", "Vpcs")


@check(id="vpc-flow-logs", title="Every VPC in the region has flow logs",
       checklist=("observability.logging", "compliance.audit-logging"), severity="medium",
       remediation="Add an aws.ec2.FlowLog for the VPC (traffic_type ALL, or at least REJECT) to CloudWatch Logs "
                   "or S3 (components.Network does), in every region you use.")
def vpc_flow_logs(ctx):
    logged = {f.get("ResourceId") for f in ctx.items("ec2", "describe_flow_logs", "FlowLogs")
              if f.get("FlowLogStatus", "ACTIVE") == "ACTIVE" and f.get("TrafficType") in FLOW_LOG_TRAFFIC}
    for vpc in vpcs(ctx):
        if vpc["VpcId"] not in logged:
            default = " (the default VPC)" if vpc.get("IsDefault") else ""
            yield vpc["VpcId"], f"VPC {vpc['VpcId']}{default} in {ctx.region} has no active flow log"


PROTOCOLS = {"6": "tcp", "tcp": "tcp", "17": "udp", "udp": "udp"}  # CIS 5.1 names TCP, UDP and all (-1)


def covers(entry: dict, port: int, protocol: str) -> bool:
    if entry.get("Protocol") not in ("-1", "all"):
        if PROTOCOLS.get(str(entry.get("Protocol"))) != protocol:
            return False
        ports = entry.get("PortRange") or {}
        if not ports.get("From", 0) <= port <= ports.get("To", 65535):
            return False
    return True


def world_admin_ports(acl: dict) -> List[str]:
    """Admin ports the first matching inbound rule for the whole internet allows (per address family and
    protocol: NACL rules are evaluated in rule-number order and the first match decides)."""
    ingress = sorted((e for e in acl.get("Entries", []) if not e.get("Egress")), key=lambda e: e.get("RuleNumber", 0))
    opened: List[str] = []
    for key, world in (("CidrBlock", "0.0.0.0/0"), ("Ipv6CidrBlock", "::/0")):
        for port, name in NACL_ADMIN_PORTS.items():
            for protocol in ("tcp", "udp"):
                decisive = next((e for e in ingress if e.get(key) == world and covers(e, port, protocol)), None)
                label = f"{port} ({name}) from {world}"
                if decisive is not None and decisive.get("RuleAction") == "allow" and label not in opened:
                    opened.append(label)
    return opened


@check(id="nacl-admin-ports", title="No network ACL allows the internet in to SSH or RDP",
       checklist=("security.api", "infra.separation"), severity="medium",
       remediation="Add inbound deny entries for ports 22 and 3389 from 0.0.0.0/0 and ::/0 numbered before the "
                   "allow entry (aws.ec2.NetworkAclRule, or aws.ec2.DefaultNetworkAcl for the default ACL); reach "
                   "hosts through SSM Session Manager (components.Network needs no admin ports).")
def nacl_admin_ports(ctx):
    for acl in ctx.items("ec2", "describe_network_acls", "NetworkAcls"):
        opened = world_admin_ports(acl)
        if opened:
            default = "default " if acl.get("IsDefault") else ""
            yield acl["NetworkAclId"], (f"{default}network ACL {acl['NetworkAclId']} of {acl.get('VpcId', 'a VPC')} "
                                        f"allows {', '.join(opened)}")


@check(id="default-security-group-closed", title="The default security group of every VPC has no rules",
       checklist=("security.api", "infra.separation"), severity="medium",
       remediation="Remove every inbound and outbound rule of the VPC's default security group (manage it with "
                   "aws.ec2.DefaultSecurityGroup and no ingress/egress, as components.Network does) and give "
                   "resources their own security groups.")
def default_security_group_closed(ctx):
    for group in ctx.items("ec2", "describe_security_groups", "SecurityGroups"):
        if group.get("GroupName") != "default":
            continue
        rules = [f"{len(group.get(key) or [])} {what}" for key, what in
                 (("IpPermissions", "inbound"), ("IpPermissionsEgress", "outbound")) if group.get(key)]
        if rules:
            yield group["GroupId"], (f"the default security group {group['GroupId']} of {group.get('VpcId', 'a VPC')} "
                                     f"has {' and '.join(rules)} rule(s): anything launched without a group gets them")


@check(id="ec2-imdsv2-required", title="Running EC2 instances require IMDSv2",
       checklist=("security.iam", "security.secrets"), severity="high",
       remediation="Require session tokens: aws ec2 modify-instance-metadata-options --http-tokens required (in "
                   "code, metadata_options={'http_tokens': 'required'} on aws.ec2.Instance / LaunchTemplate), so an "
                   "SSRF bug cannot read the instance role's credentials.")
def ec2_imdsv2_required(ctx):
    for reservation in ctx.items("ec2", "describe_instances", "Reservations"):
        for instance in reservation.get("Instances", []):
            if (instance.get("State") or {}).get("Name") in ("terminated", "shutting-down"):
                continue
            options = instance.get("MetadataOptions") or {}
            if options.get("HttpEndpoint", "enabled") == "enabled" and options.get("HttpTokens") != "required":
                yield instance["InstanceId"], (f"EC2 instance {instance['InstanceId']} accepts IMDSv1 (HttpTokens "
                                               f"{options.get('HttpTokens', 'optional')})")


CHECKS = (vpc_flow_logs, nacl_admin_ports, default_security_group_closed, ec2_imdsv2_required)
