"""Network: one VPC per environment with private and isolated tiers across AZs.

No public IP on launch anywhere; NAT gateways (one per AZ in prod, one in dev) sit in small public
subnets that only hold them; flow logs (ALL traffic) go to a KMS-encrypted log group with retention;
the default security group has no rules; S3 and DynamoDB gateway endpoints serve the private route
tables; a Bedrock runtime interface endpoint keeps model calls off the internet when asked for.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import List, Mapping, Optional, Sequence

import pulumi
import pulumi_aws as aws

from ._base import (AwsContext, assume_role_policy, child, merge_tags, policy_document, require, token,
                    validate_positive)

TIERS = ("public", "private", "isolated")


@dataclass
class NetworkArgs:
    cidr_block: str
    """The VPC's IPv4 range, a private (RFC 1918) /16 to /24; must not overlap other environments."""
    availability_zones: Sequence[str]
    """AZ names, e.g. ['eu-west-1a', 'eu-west-1b'] (at least min_availability_zones)."""
    flow_log_kms_key_arn: pulumi.Input[str]
    """Key for the flow-log log group (its policy must grant the 'logs' service: KmsKeyArgs.services)."""
    nat_per_az: bool = True
    """One NAT gateway per AZ (prod). False: one NAT for all AZs (cheaper, dev only)."""
    nat_gateways: bool = True
    """Opt-out: False builds no NAT and no public subnets (private tier has no internet egress)."""
    min_availability_zones: int = 2
    flow_log_retention_days: int = 365
    flow_logs: bool = True
    """Opt-out: False records no VPC flow logs (no trace of who talked to what; the pack flags it)."""
    other_environment_cidrs: Sequence[str] = ()
    """CIDRs of the other environments' VPCs; overlap is rejected so they can be peered later."""
    gateway_endpoints: Sequence[str] = ("s3", "dynamodb")
    bedrock_runtime_endpoint: bool = False
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        try:
            net = ipaddress.ip_network(self.cidr_block)
        except ValueError:
            raise ValueError(
                f"NetworkArgs.cidr_block {self.cidr_block!r} is not a CIDR; use e.g. '10.20.0.0/16'") from None
        require(net.version == 4 and net.is_private and 16 <= net.prefixlen <= 24,
                f"NetworkArgs.cidr_block {self.cidr_block} must be a private IPv4 range from /16 to /24 "
                f"(e.g. 10.20.0.0/16)")
        for other in self.other_environment_cidrs:
            try:
                other_net = ipaddress.ip_network(other)
            except ValueError:
                raise ValueError(f"NetworkArgs.other_environment_cidrs has {other!r}, which is not a CIDR") from None
            require(not net.overlaps(other_net),
                    f"NetworkArgs.cidr_block {net} overlaps another environment's {other_net}; give each "
                    f"environment its own range (e.g. dev 10.10.0.0/16, prod 10.20.0.0/16)")
        azs = list(self.availability_zones)
        require(len(azs) == len(set(azs)), f"NetworkArgs.availability_zones has duplicates: {azs}")
        require(len(azs) >= self.min_availability_zones,
                f"NetworkArgs.availability_zones lists {len(azs)} AZ(s) but this environment needs at least "
                f"{self.min_availability_zones}; add more AZ names")
        require(len(azs) <= 4, f"NetworkArgs.availability_zones lists {len(azs)} AZs; at most 4 are supported")
        validate_positive(self.flow_log_retention_days, "NetworkArgs.flow_log_retention_days")
        unknown = [e for e in self.gateway_endpoints if e not in ("s3", "dynamodb")]
        require(not unknown, f"NetworkArgs.gateway_endpoints has {unknown}; only 's3' and 'dynamodb' exist")

    def subnet_cidrs(self) -> Mapping[str, List[str]]:
        """Each tier gets a quarter of the VPC, split into one block per AZ (up to four)."""
        net = ipaddress.ip_network(self.cidr_block)
        quarters = list(net.subnets(prefixlen_diff=2))
        return {tier: [str(s) for s in list(quarters[i].subnets(prefixlen_diff=2))[:len(self.availability_zones)]]
                for i, tier in enumerate(TIERS)}


class Network(pulumi.ComponentResource):
    # The checklist items this component builds by default (docs/checklist.md lists them per item).
    CHECKLIST = ("infra.separation", "security.api", "observability.logging")
    vpc: aws.ec2.Vpc
    vpc_id: pulumi.Output[str]
    private_subnet_ids: List[pulumi.Output[str]]
    isolated_subnet_ids: List[pulumi.Output[str]]
    private_route_table_ids: List[pulumi.Output[str]]

    def __init__(self, name: str, args: NetworkArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__(token("network", "Network"), name, {}, opts)
        ctx = AwsContext.lookup(self)
        tags = merge_tags(args.tags)
        cidrs = args.subnet_cidrs()
        azs = list(args.availability_zones)

        self.vpc = aws.ec2.Vpc(f"{name}-vpc", cidr_block=args.cidr_block, enable_dns_support=True,
                               enable_dns_hostnames=True, tags=merge_tags(tags, {"Name": name}), opts=child(self))
        vpc_id = self.vpc.id
        # Adopt the default security group and strip every rule from it.
        self.default_security_group = aws.ec2.DefaultSecurityGroup(
            f"{name}-default-sg", vpc_id=vpc_id, ingress=[], egress=[],
            tags=merge_tags(tags, {"Name": f"{name}-default-do-not-use"}), opts=child(self))

        subnets = {tier: [] for tier in TIERS}
        tiers = TIERS if args.nat_gateways else ("private", "isolated")
        for tier in tiers:
            for i, az in enumerate(azs):
                subnets[tier].append(aws.ec2.Subnet(
                    f"{name}-{tier}-{az}", vpc_id=vpc_id, cidr_block=cidrs[tier][i], availability_zone=az,
                    map_public_ip_on_launch=False, assign_ipv6_address_on_creation=False,
                    tags=merge_tags(tags, {"Name": f"{name}-{tier}-{az}", "preflight:tier": tier}),
                    opts=child(self)))

        nat_ids: List[pulumi.Output[str]] = []
        if args.nat_gateways:
            igw = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=vpc_id, tags=merge_tags(tags, {"Name": name}),
                                          opts=child(self))
            public_rt = aws.ec2.RouteTable(f"{name}-public-rt", vpc_id=vpc_id,
                                           tags=merge_tags(tags, {"Name": f"{name}-public"}), opts=child(self))
            aws.ec2.Route(f"{name}-public-default-route", route_table_id=public_rt.id,
                          destination_cidr_block="0.0.0.0/0", gateway_id=igw.id, opts=child(self))
            for i, subnet in enumerate(subnets["public"]):
                aws.ec2.RouteTableAssociation(f"{name}-public-rta-{azs[i]}", subnet_id=subnet.id,
                                              route_table_id=public_rt.id, opts=child(self))
            for i in range(len(azs) if args.nat_per_az else 1):
                eip = aws.ec2.Eip(f"{name}-nat-eip-{azs[i]}", domain="vpc",
                                  tags=merge_tags(tags, {"Name": f"{name}-nat-{azs[i]}"}), opts=child(self))
                nat = aws.ec2.NatGateway(f"{name}-nat-{azs[i]}", allocation_id=eip.id,
                                         subnet_id=subnets["public"][i].id, connectivity_type="public",
                                         tags=merge_tags(tags, {"Name": f"{name}-nat-{azs[i]}"}),
                                         opts=child(self, depends_on=[igw]))
                nat_ids.append(nat.id)

        self.private_route_table_ids = []
        for i, az in enumerate(azs):
            rt = aws.ec2.RouteTable(f"{name}-private-rt-{az}", vpc_id=vpc_id,
                                    tags=merge_tags(tags, {"Name": f"{name}-private-{az}"}), opts=child(self))
            if nat_ids:
                aws.ec2.Route(f"{name}-private-default-route-{az}", route_table_id=rt.id,
                              destination_cidr_block="0.0.0.0/0", nat_gateway_id=nat_ids[i % len(nat_ids)],
                              opts=child(self))
            aws.ec2.RouteTableAssociation(f"{name}-private-rta-{az}", subnet_id=subnets["private"][i].id,
                                          route_table_id=rt.id, opts=child(self))
            self.private_route_table_ids.append(rt.id)
        # Isolated tier: no route out at all (databases).
        isolated_rt = aws.ec2.RouteTable(f"{name}-isolated-rt", vpc_id=vpc_id,
                                         tags=merge_tags(tags, {"Name": f"{name}-isolated"}), opts=child(self))
        for i, subnet in enumerate(subnets["isolated"]):
            aws.ec2.RouteTableAssociation(f"{name}-isolated-rta-{azs[i]}", subnet_id=subnet.id,
                                          route_table_id=isolated_rt.id, opts=child(self))

        for service in args.gateway_endpoints:
            aws.ec2.VpcEndpoint(
                f"{name}-{service}-endpoint", vpc_id=vpc_id, vpc_endpoint_type="Gateway",
                service_name=pulumi.Output.concat("com.amazonaws.", ctx.region, f".{service}"),
                route_table_ids=self.private_route_table_ids + [isolated_rt.id],
                tags=merge_tags(tags, {"Name": f"{name}-{service}"}), opts=child(self))

        if args.bedrock_runtime_endpoint:
            endpoint_sg = aws.ec2.SecurityGroup(
                f"{name}-bedrock-endpoint-sg", vpc_id=vpc_id,
                description="HTTPS from inside the VPC to the Bedrock runtime endpoint",
                ingress=[{"description": "HTTPS from the VPC", "protocol": "tcp", "from_port": 443,
                          "to_port": 443, "cidr_blocks": [args.cidr_block]}],
                tags=merge_tags(tags, {"Name": f"{name}-bedrock-endpoint"}), opts=child(self))
            aws.ec2.VpcEndpoint(
                f"{name}-bedrock-runtime-endpoint", vpc_id=vpc_id, vpc_endpoint_type="Interface",
                service_name=pulumi.Output.concat("com.amazonaws.", ctx.region, ".bedrock-runtime"),
                private_dns_enabled=True, subnet_ids=[s.id for s in subnets["private"]],
                security_group_ids=[endpoint_sg.id], tags=merge_tags(tags, {"Name": f"{name}-bedrock-runtime"}),
                opts=child(self))

        self.flow_log_group = self.flow_log = None
        if args.flow_logs:
            self._flow_logs(name, args, ctx, vpc_id, tags)

        self.vpc_id = vpc_id
        self.cidr_block = args.cidr_block
        self.private_cidrs = list(cidrs["private"])
        self.private_subnet_ids = [s.id for s in subnets["private"]]
        self.isolated_subnet_ids = [s.id for s in subnets["isolated"]]
        self.register_outputs({"vpc_id": self.vpc_id, "private_subnet_ids": self.private_subnet_ids,
                               "isolated_subnet_ids": self.isolated_subnet_ids})

    def _flow_logs(self, name: str, args: NetworkArgs, ctx: AwsContext, vpc_id: pulumi.Output[str],
                   tags: Mapping[str, str]) -> None:
        """Flow logs: ALL traffic to an encrypted log group, delivered by a role scoped to it."""
        self.flow_log_group = aws.cloudwatch.LogGroup(
            f"{name}-flow-logs", retention_in_days=args.flow_log_retention_days,
            kms_key_id=args.flow_log_kms_key_arn, tags=tags, opts=child(self))
        role = aws.iam.Role(f"{name}-flow-logs-role",
                            assume_role_policy=assume_role_policy(
                                "vpc-flow-logs.amazonaws.com", ctx.account_id,
                                ctx.arn("ec2", "vpc-flow-log/*")),
                            description=f"{name}: VPC flow log delivery", tags=tags, opts=child(self))
        aws.iam.RolePolicy(f"{name}-flow-logs-delivery", role=role.id, policy=policy_document([
            {"Sid": "WriteFlowLogs", "Effect": "Allow",
             "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
             "Resource": [self.flow_log_group.arn, pulumi.Output.concat(self.flow_log_group.arn, ":*")]}]),
            opts=child(self))
        self.flow_log = aws.ec2.FlowLog(
            f"{name}-flow-log", vpc_id=vpc_id, traffic_type="ALL", log_destination_type="cloud-watch-logs",
            log_destination=self.flow_log_group.arn, iam_role_arn=role.arn, max_aggregation_interval=60,
            tags=tags, opts=child(self))
