"""Fargate service behind an ALB in the default VPC; image pushed to ECR with the registry token."""
import base64
import json

import pulumi
import pulumi_aws as aws

cfg = pulumi.Config()
vpc = aws.ec2.get_vpc(default=True)
subnets = aws.ec2.get_subnets(filters=[{"name": "vpc-id", "values": [vpc.id]}])

repo = aws.ecr.Repository("web", image_scanning_configuration={"scan_on_push": True}, image_tag_mutability="IMMUTABLE")
token = aws.ecr.get_authorization_token(registry_id=repo.registry_id)  # output form: registry id unknown
creds = aws.ecr.get_credentials(registry_id=aws.get_caller_identity().account_id)
user, password = base64.b64decode(creds.authorization_token).decode().split(":")

alb_sg = aws.ec2.SecurityGroup("alb", vpc_id=vpc.id, description="public http",
                               ingress=[{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/0"]}],
                               egress=[{"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"]}])
task_sg = aws.ec2.SecurityGroup("task", vpc_id=vpc.id, description="from the alb only",
                                ingress=[{"protocol": "tcp", "from_port": 80, "to_port": 80,
                                          "security_groups": [alb_sg.id]}])
alb = aws.lb.LoadBalancer("web", load_balancer_type="application", security_groups=[alb_sg.id],
                          subnets=subnets.ids, drop_invalid_header_fields=True)
tg = aws.lb.TargetGroup("web", port=80, protocol="HTTP", target_type="ip", vpc_id=vpc.id,
                        health_check={"path": "/healthz"})
listener = aws.lb.Listener("https", load_balancer_arn=alb.arn, port=443, protocol="HTTPS",
                           ssl_policy="ELBSecurityPolicy-TLS13-1-2-2021-06",
                           certificate_arn=aws.acm.get_certificate(domain="web.example.com", most_recent=True).arn,
                           default_actions=[{"type": "forward", "target_group_arn": tg.arn}])

cluster = aws.ecs.Cluster("web", settings=[{"name": "containerInsights", "value": "enabled"}])
logs = aws.cloudwatch.LogGroup("web", retention_in_days=30)
exec_role = aws.iam.Role("task-exec", assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
task = aws.ecs.TaskDefinition(
    "web", family="web", cpu="256", memory="512", network_mode="awsvpc", requires_compatibilities=["FARGATE"],
    execution_role_arn=exec_role.arn,
    container_definitions=pulumi.Output.all(logs.name, repo.repository_url).apply(lambda args: json.dumps([{
        "name": "web", "image": f"{args[1]}:{cfg.require('image').split(':')[1]}", "essential": True,
        "portMappings": [{"containerPort": 80}],
        "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": args[0],
                                                                 "awslogs-region": "us-west-2",
                                                                 "awslogs-stream-prefix": "web"}}}])))
aws.ecs.Service("web", cluster=cluster.arn, task_definition=task.arn, desired_count=2, launch_type="FARGATE",
                network_configuration={"subnets": subnets.ids, "security_groups": [task_sg.id]},
                load_balancers=[{"target_group_arn": tg.arn, "container_name": "web", "container_port": 80}],
                opts=pulumi.ResourceOptions(depends_on=[listener]))
pulumi.export("url", alb.dns_name)
pulumi.export("registry_user", user)
pulumi.export("registry", token.proxy_endpoint)
