import ipaddress
import pulumi
import pulumi_aws as aws

cfg = pulumi.Config()
cidr = ipaddress.ip_network(cfg.require("cidr"))
blocks = list(cidr.subnets(new_prefix=20))
zones = aws.get_availability_zones().names[:3]

vpc = aws.ec2.Vpc("main", cidr_block=str(cidr), enable_dns_support=True, enable_dns_hostnames=True,
                  tags={"Name": "main"})
igw = aws.ec2.InternetGateway("main", vpc_id=vpc.id)
public_rt = aws.ec2.RouteTable("public", vpc_id=vpc.id, routes=[{"cidr_block": "0.0.0.0/0", "gateway_id": igw.id}])
for i, az in enumerate(zones):
    public = aws.ec2.Subnet(f"public-{i}", vpc_id=vpc.id, cidr_block=str(blocks[i]), availability_zone=az,
                            map_public_ip_on_launch=False, tags={"tier": "public"})
    aws.ec2.RouteTableAssociation(f"public-{i}", subnet_id=public.id, route_table_id=public_rt.id)
    eip = aws.ec2.Eip(f"nat-{i}", domain="vpc")
    nat = aws.ec2.NatGateway(f"nat-{i}", subnet_id=public.id, allocation_id=eip.id)
    private = aws.ec2.Subnet(f"private-{i}", vpc_id=vpc.id, cidr_block=str(blocks[i + 3]), availability_zone=az,
                             tags={"tier": "private"})
    rt = aws.ec2.RouteTable(f"private-{i}", vpc_id=vpc.id, routes=[{"cidr_block": "0.0.0.0/0", "nat_gateway_id": nat.id}])
    aws.ec2.RouteTableAssociation(f"private-{i}", subnet_id=private.id, route_table_id=rt.id)
logs = aws.cloudwatch.LogGroup("flow-logs", retention_in_days=90)
aws.ec2.FlowLog("main", vpc_id=vpc.id, traffic_type="ALL", log_destination=logs.arn,
                iam_role_arn=aws.iam.get_role(name="vpc-flow-logs").arn)
default_sg = aws.ec2.get_security_group(name="default", vpc_id="vpc-0aaaabbbbccccdddd")
pulumi.export("vpc_id", vpc.id)
pulumi.export("default_sg", default_sg.id)
