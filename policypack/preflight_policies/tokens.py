"""pulumi-aws type tokens shared by several rule modules (verified against pulumi-aws 7.x)."""

S3_BUCKETS = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
S3_SSE_CONFIGS = (
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
)
S3_PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
S3_ACCOUNT_PUBLIC_ACCESS_BLOCK = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock"

RDS_INSTANCE = "aws:rds/instance:Instance"
RDS_CLUSTER = "aws:rds/cluster:Cluster"

IAM_POLICY_DOCUMENT_HOLDERS = (
    "aws:iam/policy:Policy",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/userPolicy:UserPolicy",
    "aws:iam/groupPolicy:GroupPolicy",
)
IAM_ROLE = "aws:iam/role:Role"

SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
VPC_INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"

CLOUDTRAIL_TRAIL = "aws:cloudtrail/trail:Trail"

# Data stores and other resources whose loss is unrecoverable or costly: protect=True in prod.
DATA_STORES = (
    "aws:rds/instance:Instance",
    "aws:rds/cluster:Cluster",
    "aws:rds/globalCluster:GlobalCluster",
    "aws:docdb/cluster:Cluster",
    "aws:neptune/cluster:Cluster",
    "aws:dynamodb/table:Table",
    "aws:dynamodb/tableReplica:TableReplica",
    "aws:dsql/cluster:Cluster",
    "aws:s3/bucket:Bucket",
    "aws:s3/bucketV2:BucketV2",
    "aws:efs/fileSystem:FileSystem",
    "aws:ebs/volume:Volume",
    "aws:elasticache/replicationGroup:ReplicationGroup",
    "aws:elasticache/cluster:Cluster",
    "aws:elasticache/serverlessCache:ServerlessCache",
    "aws:memorydb/cluster:Cluster",
    "aws:redshift/cluster:Cluster",
    "aws:opensearch/domain:Domain",
    "aws:kms/key:Key",
    "aws:kms/replicaKey:ReplicaKey",
    "aws:secretsmanager/secret:Secret",
    "aws:backup/vault:Vault",
    "aws:cognito/userPool:UserPool",
    "aws:ecr/repository:Repository",
)

# -- added by the catalog (part A): security and infrastructure sections --------------------------
S3_VERSIONING = ("aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2")
S3_OWNERSHIP_CONTROLS = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
S3_BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
S3_LOGGING = ("aws:s3/bucketLogging:BucketLogging", "aws:s3/bucketLoggingV2:BucketLoggingV2")
S3_LIFECYCLE = ("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
                "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2")
S3_ACLS = ("aws:s3/bucketAcl:BucketAcl", "aws:s3/bucketAclV2:BucketAclV2")
S3_ACCESS_POINT = "aws:s3/accessPoint:AccessPoint"
S3_FORCE_DESTROY_BUCKETS = S3_BUCKETS + ("aws:s3/directoryBucket:DirectoryBucket",)

KMS_KEY = "aws:kms/key:Key"
KMS_REPLICA_KEY = "aws:kms/replicaKey:ReplicaKey"
KMS_KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy"

RDS_CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
RDS_GLOBAL_CLUSTER = "aws:rds/globalCluster:GlobalCluster"
DOCDB_CLUSTER = "aws:docdb/cluster:Cluster"
NEPTUNE_CLUSTER = "aws:neptune/cluster:Cluster"
REDSHIFT_CLUSTER = "aws:redshift/cluster:Cluster"

DYNAMODB_TABLE = "aws:dynamodb/table:Table"
DYNAMODB_TABLE_REPLICA = "aws:dynamodb/tableReplica:TableReplica"

EBS_VOLUME = "aws:ebs/volume:Volume"
EBS_ENCRYPTION_BY_DEFAULT = "aws:ebs/encryptionByDefault:EncryptionByDefault"
EC2_INSTANCE = "aws:ec2/instance:Instance"
EC2_LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
EFS_FILE_SYSTEM = "aws:efs/fileSystem:FileSystem"
EFS_BACKUP_POLICY = "aws:efs/backupPolicy:BackupPolicy"
ELASTICACHE_REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
ELASTICACHE_CLUSTER = "aws:elasticache/cluster:Cluster"
ELASTICACHE_SERVERLESS = "aws:elasticache/serverlessCache:ServerlessCache"
OPENSEARCH_DOMAIN = "aws:opensearch/domain:Domain"
SNS_TOPIC = "aws:sns/topic:Topic"
SQS_QUEUE = "aws:sqs/queue:Queue"

DEFAULT_SECURITY_GROUP = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
SECURITY_GROUP_INGRESS = (SECURITY_GROUP, SECURITY_GROUP_RULE, VPC_INGRESS_RULE)
VPC = "aws:ec2/vpc:Vpc"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
SUBNET = "aws:ec2/subnet:Subnet"

IAM_POLICY_ATTACHMENTS = (
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:iam/userPolicyAttachment:UserPolicyAttachment",
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
    "aws:iam/policyAttachment:PolicyAttachment",
)
IAM_USER_POLICY = "aws:iam/userPolicy:UserPolicy"
IAM_USER_POLICY_ATTACHMENT = "aws:iam/userPolicyAttachment:UserPolicyAttachment"
IAM_POLICY_ATTACHMENT = "aws:iam/policyAttachment:PolicyAttachment"
IAM_ACCESS_KEY = "aws:iam/accessKey:AccessKey"

LAMBDA_FUNCTION = "aws:lambda/function:Function"
ECS_TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
SSM_PARAMETER = "aws:ssm/parameter:Parameter"
APIGATEWAY_STAGE = "aws:apigateway/stage:Stage"
SECRET = "aws:secretsmanager/secret:Secret"
SECRET_ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"
SECRET_VERSION = "aws:secretsmanager/secretVersion:SecretVersion"

LOAD_BALANCERS = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer")
COGNITO_USER_POOL = "aws:cognito/userPool:UserPool"
EKS_CLUSTER = "aws:eks/cluster:Cluster"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
NETWORK_FIREWALL = "aws:networkfirewall/firewall:Firewall"
BACKUP_VAULT = "aws:backup/vault:Vault"
ECR_REPOSITORY = "aws:ecr/repository:Repository"
