import pulumi
import pulumi_aws as aws

network = pulumi.StackReference(f"acme/network/{pulumi.get_stack()}")
vpc_id = network.require_output("vpcId")
private_subnets = network.get_output("privateSubnetIds")
db_password = network.require_output("dbPassword")

sg = aws.ec2.SecurityGroup("db", vpc_id=vpc_id, description="database",
                           ingress=[{"protocol": "tcp", "from_port": 5432, "to_port": 5432, "cidr_blocks": ["10.0.0.0/8"]}])
group = aws.rds.SubnetGroup("db", subnet_ids=private_subnets)
aws.rds.Instance("orders", engine="postgres", instance_class="db.t4g.micro", allocated_storage=20,
                 username="app", password=db_password, db_subnet_group_name=group.name,
                 vpc_security_group_ids=[sg.id], storage_encrypted=True, multi_az=True,
                 backup_retention_period=14, deletion_protection=True,
                 opts=pulumi.ResourceOptions(protect=True))
pulumi.export("subnet_count", private_subnets.apply(lambda s: len(s)))
