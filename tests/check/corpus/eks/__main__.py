import json
import pulumi
import pulumi_aws as aws

def role(name, service, policies):
    r = aws.iam.Role(name, assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]}))
    for i, arn in enumerate(policies):
        aws.iam.RolePolicyAttachment(f"{name}-{i}", role=r.name, policy_arn=arn)
    return r

azs = aws.get_availability_zones(state="available")
vpc = aws.ec2.Vpc("eks", cidr_block="10.40.0.0/16", enable_dns_hostnames=True)
subnets = [aws.ec2.Subnet(f"eks-{az}", vpc_id=vpc.id, availability_zone=az, cidr_block=f"10.40.{i * 32}.0/19")
           for i, az in enumerate(azs.names[:2])]
cluster_role = role("eks-cluster", "eks.amazonaws.com", ["arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"])
node_role = role("eks-nodes", "ec2.amazonaws.com", [
    "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy", "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
    "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly"])
cluster = aws.eks.Cluster("platform", role_arn=cluster_role.arn, version="1.31",
                          vpc_config={"subnet_ids": [s.id for s in subnets], "endpoint_private_access": True,
                                      "endpoint_public_access": False},
                          enabled_cluster_log_types=["api", "audit", "authenticator"])
aws.eks.NodeGroup("general", cluster_name=cluster.name, node_role_arn=node_role.arn,
                  subnet_ids=[s.id for s in subnets],
                  scaling_config={"desired_size": 2, "min_size": 1, "max_size": 3}, instance_types=["t3.large"])
kubeconfig = pulumi.Output.all(cluster.endpoint, cluster.certificate_authority.data, cluster.name).apply(
    lambda a: json.dumps({"apiVersion": "v1", "clusters": [{"cluster": {"server": a[0],
                                                                        "certificate-authority-data": a[1]},
                                                            "name": a[2]}]}))
existing = aws.eks.get_cluster(name="shared-tools")
auth = aws.eks.get_cluster_auth(name=existing.name)
pulumi.export("kubeconfig", pulumi.Output.secret(kubeconfig))
pulumi.export("tools_endpoint", existing.endpoint)
