"""Data sources the way programs use them: plain calls, _output calls, results fed into resources."""
import base64
import json

import pulumi_aws as aws

ami = aws.ec2.get_ami(most_recent=True, owners=["amazon"],
                      filters=[{"name": "name", "values": ["al2023-ami-*-x86_64"]}])
vpc = aws.ec2.get_vpc(default=True)
subnet_ids = aws.ec2.get_subnets(filters=[{"name": "vpc-id", "values": [vpc.id]}]).ids
first = aws.ec2.get_subnet(id=subnet_ids[0])
rt = aws.ec2.get_route_table(subnet_id=first.id)
igw = aws.ec2.get_internet_gateway(filters=[{"name": "attachment.vpc-id", "values": [vpc.id]}])
sgs = aws.ec2.get_security_groups(filters=[{"name": "vpc-id", "values": [vpc.id]}])
zone = aws.route53.get_zone(name="example.net")
cert = aws.acm.get_certificate(domain="*.example.net", statuses=["ISSUED"])
param = aws.ssm.get_parameter(name="/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64")
secret = aws.secretsmanager.get_secret(name="app/db")
version = aws.secretsmanager.get_secret_version(secret_id=secret.arn)
alias = aws.kms.get_alias(name="alias/aws/ssm")
key = aws.kms.get_key(key_id=alias.target_key_id)
role = aws.iam.get_role(name="deployer")
policy = aws.iam.get_policy(arn="arn:aws:iam::aws:policy/ReadOnlyAccess")
elb = aws.elb.get_service_account()
image = aws.ecr.get_image(repository_name="api", image_tag="v1")
origin = aws.cloudfront.get_origin_request_policy(name="Managed-CORS-S3Origin")
creds = aws.ecr.get_credentials(registry_id="777777777777")
user = base64.b64decode(creds.authorization_token).decode().split(":")[0]
pending = aws.ec2.get_vpc_output(id=aws.ec2.Vpc("new", cidr_block="10.9.0.0/16").id)  # depends on a new VPC
unknown_kind = aws.ec2.get_vpc_endpoint_service_output(service="s3")  # not in the offline table

aws.ec2.Instance("web", ami=ami.id, instance_type="t3.micro", subnet_id=first.id,
                 vpc_security_group_ids=sgs.ids, metadata_options={"http_tokens": "required"},
                 root_block_device={"encrypted": True})
aws.sqs.Queue("facts", tags={
    "vpc": vpc.id, "subnet": first.id, "az": first.availability_zone, "rt": rt.id, "igw": igw.id,
    "zone": zone.zone_id, "cert": cert.arn, "param": param.value, "secret": secret.arn,
    "key": key.arn, "role": role.arn, "policy": policy.arn, "elb": elb.arn, "digest": image.image_digest,
    "origin": origin.id, "user": user, "ami": ami.id, "names": json.dumps(aws.get_availability_zones().names)})
aws.sqs.Queue("pending", tags={"cidr": pending.cidr_block})
aws.sqs.Queue("unknown-kind", tags={"service": unknown_kind.service_name})
