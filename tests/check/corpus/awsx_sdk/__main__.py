"""The pulumi-awsx and pulumi-eks SDKs themselves: every one of these is a remote component."""
import pulumi
import pulumi_aws as aws
import pulumi_awsx as awsx
import pulumi_eks as eks

vpc = awsx.ec2.Vpc("platform", cidr_block="10.60.0.0/16", number_of_availability_zones=2,
                   nat_gateways=awsx.ec2.NatGatewayConfigurationArgs(strategy=awsx.ec2.NatGatewayStrategy.SINGLE))
cluster = eks.Cluster("platform", vpc_id=vpc.vpc_id, private_subnet_ids=vpc.private_subnet_ids,
                      instance_type="t3.large", desired_capacity=2, min_size=1, max_size=3)
logs = aws.cloudwatch.LogGroup("platform", retention_in_days=30,
                               tags={"first_subnet": vpc.private_subnet_ids.apply(lambda ids: ids[0])})
pulumi.export("kubeconfig", cluster.kubeconfig)
