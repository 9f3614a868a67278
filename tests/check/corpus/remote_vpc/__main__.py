"""A stack that is only a VPC from a component package (as awsx.ec2.Vpc registers itself)."""
import pulumi


class Vpc(pulumi.ComponentResource):
    """What pulumi_awsx.ec2.Vpc does: a remote component, built by the awsx plugin's Construct."""

    vpc_id: pulumi.Output[str]

    def __init__(self, name, cidr_block, number_of_availability_zones=3, opts=None):
        props = {"cidr_block": cidr_block, "number_of_availability_zones": number_of_availability_zones,
                 "vpc_id": None, "private_subnet_ids": None, "public_subnet_ids": None}
        super().__init__("awsx:ec2:Vpc", name, props, pulumi.ResourceOptions.merge(
            pulumi.ResourceOptions(version="3.11.0"), opts), remote=True)


vpc = Vpc("edge", cidr_block="10.50.0.0/16")
pulumi.export("vpcId", vpc.vpc_id)
pulumi.export("private", vpc.private_subnet_ids)
