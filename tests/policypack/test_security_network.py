"""Network exposure policies through the Analyzer protocol."""
import pytest

from tests.conftest import UNKNOWN_NUMBER_VALUE, UNKNOWN_STRING_VALUE, link, res

SG = "aws:ec2/securityGroup:SecurityGroup"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
INSTANCE = "aws:ec2/instance:Instance"
TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
LAUNCH_CONFIG = "aws:ec2/launchConfiguration:LaunchConfiguration"
VPC = "aws:ec2/vpc:Vpc"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"


def sg(from_port, to_port, protocol="tcp", cidr="0.0.0.0/0"):
    return {"ingress": [{"fromPort": from_port, "toPort": to_port, "protocol": protocol, "cidrBlocks": [cidr]}]}


@pytest.mark.parametrize("type_,good,bad,port", [
    (SG, sg(443, 443), sg(5432, 5432), "5432 (PostgreSQL)"),
    (SG, sg(3306, 3306, cidr="10.0.0.0/8"), sg(3000, 3400), "3306 (MySQL/Aurora)"),
    (SG_RULE, {"type": "ingress", "fromPort": 6379, "toPort": 6379, "protocol": "tcp", "cidrBlocks": ["10.0.0.0/16"]},
     {"type": "ingress", "fromPort": 6379, "toPort": 6379, "protocol": "tcp", "ipv6CidrBlocks": ["::/0"]}, "6379"),
    (INGRESS, {"fromPort": 27017, "toPort": 27017, "ipProtocol": "tcp", "referencedSecurityGroupId": "sg-app"},
     {"fromPort": 27017, "toPort": 27017, "ipProtocol": "tcp", "cidrIpv4": "0.0.0.0/0"}, "27017"),
    (INGRESS, {"fromPort": 9200, "toPort": 9200, "ipProtocol": "udp", "cidrIpv4": "0.0.0.0/0"},
     {"fromPort": 9200, "toPort": 9200, "ipProtocol": "tcp", "cidrIpv4": "0.0.0.0/0"}, "9200"),
])
def test_world_database_ports(pack, type_, good, bad, port):
    assert not pack.analyze(type_, good).violations("security-group-no-world-database-ports")
    [d] = pack.analyze(type_, bad).violations("security-group-no-world-database-ports")
    assert port in d.message


def test_database_ports_are_configurable(pack):
    with pack.configured({"security-group-no-world-database-ports": {"ports": [8080]}}):
        assert pack.analyze(SG, sg(8080, 8080)).violations("security-group-no-world-database-ports")
        assert not pack.analyze(SG, sg(5432, 5432)).violations("security-group-no-world-database-ports")


@pytest.mark.parametrize("type_,good,bad", [
    (SG, sg(443, 443), sg(0, 0, protocol="-1")),
    (SG, sg(0, 65535, cidr="10.0.0.0/8"), sg(0, 65535)),
    (INGRESS, {"ipProtocol": "-1", "cidrIpv4": "10.0.0.0/8"}, {"ipProtocol": "-1", "cidrIpv6": "::/0"}),
])
def test_world_all_ports(pack, type_, good, bad):
    assert not pack.analyze(type_, good).violations("security-group-no-world-all-ports")
    result = pack.analyze(type_, bad)
    assert result.violations("security-group-no-world-all-ports")
    # An all-ports rule is reported once, by the all-ports policy, not again as database ports.
    assert not result.violations("security-group-no-world-database-ports")


def test_unknown_cidr_is_never_open(pack):
    unknown = {"ingress": [{"fromPort": 0, "toPort": 65535, "protocol": "tcp", "cidrBlocks": [UNKNOWN_STRING_VALUE]}]}
    assert not pack.analyze(SG, unknown).policies() & {"security-group-no-world-all-ports",
                                                        "security-group-no-world-database-ports"}


def test_default_security_group_no_rules(pack):
    dsg = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
    assert not pack.analyze(dsg, {"vpcId": "vpc-1"}).violations("default-security-group-no-rules")
    assert not pack.analyze(dsg, {"vpcId": "vpc-1", "ingress": [], "egress": []}).violations(
        "default-security-group-no-rules")
    [d] = pack.analyze(dsg, {"vpcId": "vpc-1", "egress": [{"protocol": "-1", "fromPort": 0, "toPort": 0,
                                                          "cidrBlocks": ["0.0.0.0/0"]}]}).violations(
        "default-security-group-no-rules")
    assert "egress" in d.message


def test_vpc_flow_logs(pack):
    vpc = res(VPC, "main", {"cidrBlock": "10.0.0.0/16"})
    other = res(VPC, "other", {"cidrBlock": "10.1.0.0/16"})
    flow_all = link(res(FLOW_LOG, "main-flow", {"trafficType": "ALL"}), "vpcId", vpc)
    flow_reject = link(res(FLOW_LOG, "other-flow", {"trafficType": "REJECT"}), "vpcId", other)
    result = pack.analyze_stack([vpc, other, flow_all, flow_reject])
    [d] = result.violations("vpc-flow-logs")
    assert d.urn.endswith("::other") and "REJECT" in d.message
    [d] = pack.analyze_stack([res(VPC, "bare", {})]).violations("vpc-flow-logs")
    assert "no flow log" in d.message
    flow_all["props"]["vpcId"] = UNKNOWN_STRING_VALUE  # preview: linked by property dependency
    assert not pack.analyze_stack([vpc, flow_all]).violations("vpc-flow-logs")


def test_subnet_no_auto_public_ip(pack):
    subnet = "aws:ec2/subnet:Subnet"
    assert not pack.analyze(subnet, {"cidrBlock": "10.0.1.0/24"}).violations("subnet-no-auto-public-ip")
    assert pack.analyze(subnet, {"mapPublicIpOnLaunch": True}).violations("subnet-no-auto-public-ip")


@pytest.mark.parametrize("type_", [INSTANCE, TEMPLATE, LAUNCH_CONFIG])
def test_imdsv2_required(pack, type_):
    assert not pack.analyze(type_, {"metadataOptions": {"httpTokens": "required"}}).violations("ec2-imdsv2-required")
    assert not pack.analyze(type_, {"metadataOptions": {"httpEndpoint": "disabled"}}).violations("ec2-imdsv2-required")
    assert pack.analyze(type_, {}).violations("ec2-imdsv2-required")
    [d] = pack.analyze(type_, {"metadataOptions": {"httpTokens": "optional"}}).violations("ec2-imdsv2-required")
    assert "optional" in d.message
    result = pack.analyze(type_, {"metadataOptions": {"httpTokens": UNKNOWN_STRING_VALUE}})
    assert not result.violations("ec2-imdsv2-required") and "ec2-imdsv2-required" in result.not_applicable


@pytest.mark.parametrize("type_,good,bad", [
    (INSTANCE, {"associatePublicIpAddress": False}, {"associatePublicIpAddress": True}),
    (TEMPLATE, {"networkInterfaces": [{"associatePublicIpAddress": "false"}]},
     {"networkInterfaces": [{"associatePublicIpAddress": "true"}]}),
    (LAUNCH_CONFIG, {"associatePublicIpAddress": False}, {"associatePublicIpAddress": True}),
    (LAUNCH_CONFIG, {"imageId": "ami-1"}, {"imageId": "ami-1", "associatePublicIpAddress": True}),
])
def test_no_public_ip(pack, type_, good, bad):
    assert not pack.analyze(type_, good).violations("ec2-no-public-ip")
    assert pack.analyze(type_, bad).violations("ec2-no-public-ip")


@pytest.mark.parametrize("type_", [INSTANCE, TEMPLATE, LAUNCH_CONFIG])
def test_imds_hop_limit(pack, type_):
    policy = "ec2-imds-hop-limit"
    # Only an explicit value is judged (AWS's default depends on the AMI and account for instances).
    assert not pack.analyze(type_, {}).violations(policy)
    assert not pack.analyze(type_, {"metadataOptions": {"httpPutResponseHopLimit": 1}}).violations(policy)
    assert not pack.analyze(type_, {"metadataOptions": {"httpEndpoint": "disabled",
                                                        "httpPutResponseHopLimit": 3}}).violations(policy)
    [d] = pack.analyze(type_, {"metadataOptions": {"httpTokens": "required", "httpPutResponseHopLimit": 2}},
                       name="node").violations(policy)
    assert "'node'" in d.message and "http_put_response_hop_limit is 2" in d.message and "set it to 1" in d.message
    # A hop limit is a cause of its own: IMDSv2 itself is satisfied, so that policy stays quiet.
    assert not pack.analyze(type_, {"metadataOptions": {"httpTokens": "required", "httpPutResponseHopLimit": 2}}
                            ).violations("ec2-imdsv2-required")
    with pack.configured({policy: {"maxHopLimit": 2}}):
        assert not pack.analyze(type_, {"metadataOptions": {"httpPutResponseHopLimit": 2}}).violations(policy)
        assert pack.analyze(type_, {"metadataOptions": {"httpPutResponseHopLimit": 3}}).violations(policy)
    result = pack.analyze(type_, {"metadataOptions": {"httpPutResponseHopLimit": UNKNOWN_NUMBER_VALUE}})
    assert not result.violations(policy) and policy in result.not_applicable
