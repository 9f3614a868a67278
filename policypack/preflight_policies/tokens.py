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
    # vector stores and the other stores whose loss is data loss (issue 13)
    "aws:opensearch/serverlessCollection:ServerlessCollection",
    "aws:redshiftserverless/namespace:Namespace",
    "aws:docdb/elasticCluster:ElasticCluster",
    "aws:glacier/vault:Vault",
    "aws:timestreamwrite/table:Table",
    "aws:keyspaces/table:Table",
    "aws:qldb/ledger:Ledger",
    "aws:fsx/lustreFileSystem:LustreFileSystem",
    "aws:fsx/ontapFileSystem:OntapFileSystem",
    "aws:fsx/windowsFileSystem:WindowsFileSystem",
    "aws:fsx/openZfsFileSystem:OpenZfsFileSystem",
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
EC2_LAUNCH_CONFIGURATION = "aws:ec2/launchConfiguration:LaunchConfiguration"
EFS_FILE_SYSTEM = "aws:efs/fileSystem:FileSystem"
EFS_BACKUP_POLICY = "aws:efs/backupPolicy:BackupPolicy"
ELASTICACHE_REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
ELASTICACHE_CLUSTER = "aws:elasticache/cluster:Cluster"
ELASTICACHE_SERVERLESS = "aws:elasticache/serverlessCache:ServerlessCache"
OPENSEARCH_DOMAIN = "aws:opensearch/domain:Domain"
# The legacy Elasticsearch Service type: the same service and the same encryption / endpoint inputs.
ELASTICSEARCH_DOMAIN = "aws:elasticsearch/domain:Domain"
SEARCH_DOMAINS = (OPENSEARCH_DOMAIN, ELASTICSEARCH_DOMAIN)
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

ECS_TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
SSM_PARAMETER = "aws:ssm/parameter:Parameter"
APIGATEWAY_STAGE = "aws:apigateway/stage:Stage"
SECRET = "aws:secretsmanager/secret:Secret"
SECRET_ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"
SECRET_VERSION = "aws:secretsmanager/secretVersion:SecretVersion"

COGNITO_USER_POOL = "aws:cognito/userPool:UserPool"
EKS_CLUSTER = "aws:eks/cluster:Cluster"
NETWORK_FIREWALL = "aws:networkfirewall/firewall:Firewall"
BACKUP_VAULT = "aws:backup/vault:Vault"
ECR_REPOSITORY = "aws:ecr/repository:Repository"

# -- API protection, observability, AI, compliance (catalog part B) ------------------------------
APIGW_METHOD = "aws:apigateway/method:Method"
APIGW_STAGE = "aws:apigateway/stage:Stage"
APIGW_METHOD_SETTINGS = "aws:apigateway/methodSettings:MethodSettings"
APIGW_USAGE_PLAN = "aws:apigateway/usagePlan:UsagePlan"
APIGW_REQUEST_VALIDATOR = "aws:apigateway/requestValidator:RequestValidator"
APIGW_DOMAIN = "aws:apigateway/domainName:DomainName"
APIGWV2_API = "aws:apigatewayv2/api:Api"
APIGWV2_ROUTE = "aws:apigatewayv2/route:Route"
APIGWV2_STAGE = "aws:apigatewayv2/stage:Stage"
APIGWV2_DOMAIN = "aws:apigatewayv2/domainName:DomainName"
API_STAGES = (APIGW_STAGE, APIGWV2_STAGE)

LAMBDA_FUNCTION = "aws:lambda/function:Function"
LAMBDA_FUNCTION_URL = "aws:lambda/functionUrl:FunctionUrl"
LAMBDA_PERMISSION = "aws:lambda/permission:Permission"
LAMBDA_ALIAS = "aws:lambda/alias:Alias"

LOAD_BALANCERS = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer")
CLASSIC_LOAD_BALANCER = "aws:elb/loadBalancer:LoadBalancer"
LB_LISTENERS = ("aws:lb/listener:Listener", "aws:alb/listener:Listener")

WAF_WEB_ACL = "aws:wafv2/webAcl:WebAcl"
WAF_WEB_ACL_RULE = "aws:wafv2/webAclRule:WebAclRule"
WAF_ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation"
WAF_LOGGING = "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"

LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
COMPOSITE_ALARM = "aws:cloudwatch/compositeAlarm:CompositeAlarm"
ALARMS = (METRIC_ALARM, COMPOSITE_ALARM)
DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"
SNS_TOPIC = "aws:sns/topic:Topic"
SNS_SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
SFN_STATE_MACHINE = "aws:sfn/stateMachine:StateMachine"
ECS_CLUSTER = "aws:ecs/cluster:Cluster"
ECS_SERVICE = "aws:ecs/service:Service"
CODEDEPLOY_GROUP = "aws:codedeploy/deploymentGroup:DeploymentGroup"

GUARDDUTY_DETECTOR = "aws:guardduty/detector:Detector"
CONFIG_RECORDER = "aws:cfg/recorder:Recorder"
SECURITY_HUB = ("aws:securityhub/account:Account", "aws:securityhub/accountV2:AccountV2")
ACCESS_ANALYZER = "aws:accessanalyzer/analyzer:Analyzer"
ALTERNATE_CONTACT = "aws:account/alternativeContact:AlternativeContact"
MACIE_ACCOUNT = "aws:macie2/account:Account"

BEDROCK_GUARDRAIL = "aws:bedrock/guardrail:Guardrail"
BEDROCK_AGENT = "aws:bedrock/agentAgent:AgentAgent"
BEDROCK_ACTION_GROUP = "aws:bedrock/agentAgentActionGroup:AgentAgentActionGroup"
BEDROCK_KNOWLEDGE_BASE = "aws:bedrock/agentKnowledgeBase:AgentKnowledgeBase"
BEDROCK_PROVISIONED_THROUGHPUT = "aws:bedrock/provisionedModelThroughput:ProvisionedModelThroughput"
BEDROCK_MODEL_AGREEMENT = "aws:bedrockfoundation/modelAgreement:ModelAgreement"
BEDROCK_INVOCATION_LOGGING = "aws:bedrockmodel/invocationLoggingConfiguration:InvocationLoggingConfiguration"
SAGEMAKER_NOTEBOOK = "aws:sagemaker/notebookInstance:NotebookInstance"
SAGEMAKER_MODEL = "aws:sagemaker/model:Model"
SAGEMAKER_ENDPOINT_CONFIG = "aws:sagemaker/endpointConfiguration:EndpointConfiguration"
SAGEMAKER_ENDPOINT = "aws:sagemaker/endpoint:Endpoint"

IAM_ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
IAM_ROLE_POLICY_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
IAM_MANAGED_POLICY = "aws:iam/policy:Policy"

BUDGET = "aws:budgets/budget:Budget"
ANOMALY_MONITOR = "aws:costexplorer/anomalyMonitor:AnomalyMonitor"
ANOMALY_SUBSCRIPTION = "aws:costexplorer/anomalySubscription:AnomalySubscription"

AWS_PROVIDER = "pulumi:providers:aws"
S3_BUCKET_LOGGING = ("aws:s3/bucketLogging:BucketLogging", "aws:s3/bucketLoggingV2:BucketLoggingV2")

BACKUP_VAULT_LOCK = "aws:backup/vaultLockConfiguration:VaultLockConfiguration"
BACKUP_PLAN = "aws:backup/plan:Plan"
BACKUP_RESTORE_TESTING_PLAN = "aws:backup/restoreTestingPlan:RestoreTestingPlan"
BACKUP_RESTORE_TESTING_SELECTION = "aws:backup/restoreTestingSelection:RestoreTestingSelection"

# -- added for issue 13 (catalog generalisation): resource policies, network, data, AI ---------------
SQS_QUEUE_POLICY = "aws:sqs/queuePolicy:QueuePolicy"
SNS_TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"
ECR_REPOSITORY_POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy"
SECRET_POLICY = "aws:secretsmanager/secretPolicy:SecretPolicy"
APIGW_REST_API = "aws:apigateway/restApi:RestApi"
APIGW_REST_API_POLICY = "aws:apigateway/restApiPolicy:RestApiPolicy"
OPENSEARCH_DOMAIN_POLICY = "aws:opensearch/domainPolicy:DomainPolicy"
OSS_ACCESS_POLICY = "aws:opensearch/serverlessAccessPolicy:ServerlessAccessPolicy"
OSS_SECURITY_POLICY = "aws:opensearch/serverlessSecurityPolicy:ServerlessSecurityPolicy"
OSS_COLLECTION = "aws:opensearch/serverlessCollection:ServerlessCollection"
EFS_FILE_SYSTEM_POLICY = "aws:efs/fileSystemPolicy:FileSystemPolicy"
GLACIER_VAULT = "aws:glacier/vault:Vault"
BACKUP_VAULT_POLICY = "aws:backup/vaultPolicy:VaultPolicy"
KINESIS_RESOURCE_POLICY = "aws:kinesis/resourcePolicy:ResourcePolicy"
KINESIS_STREAM = "aws:kinesis/stream:Stream"
FIREHOSE_STREAM = "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream"
MSK_CLUSTER = "aws:msk/cluster:Cluster"
AMI_LAUNCH_PERMISSION = "aws:ec2/amiLaunchPermission:AmiLaunchPermission"
SNAPSHOT_CREATE_VOLUME_PERMISSION = "aws:ec2/snapshotCreateVolumePermission:SnapshotCreateVolumePermission"
RDS_SNAPSHOTS = ("aws:rds/snapshot:Snapshot", "aws:rds/clusterSnapshot:ClusterSnapshot",
                 "aws:rds/snapshotCopy:SnapshotCopy", "aws:rds/clusterSnapshotCopy:ClusterSnapshotCopy")
CLOUDFRONT_DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
EVENT_TARGET = "aws:cloudwatch/eventTarget:EventTarget"
SCHEDULER_SCHEDULE = "aws:scheduler/schedule:Schedule"
GLUE_CONNECTION = "aws:glue/connection:Connection"
BATCH_JOB_DEFINITION = "aws:batch/jobDefinition:JobDefinition"
APPRUNNER_SERVICE = "aws:apprunner/service:Service"
REDSHIFT_SERVERLESS_NAMESPACE = "aws:redshiftserverless/namespace:Namespace"
DOCDB_ELASTIC_CLUSTER = "aws:docdb/elasticCluster:ElasticCluster"
MQ_BROKER = "aws:mq/broker:Broker"
IAM_ROLE_POLICY_ATTACHMENTS_EXCLUSIVE = "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive"
IAM_USER_POLICY_ATTACHMENTS_EXCLUSIVE = "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive"
IAM_GROUP_POLICY_ATTACHMENTS_EXCLUSIVE = "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive"
EKS_CLUSTER_TOKEN = "aws:eks/cluster:Cluster"
LAMBDA_LAYER_PERMISSION = "aws:lambda/layerVersionPermission:LayerVersionPermission"
SAGEMAKER_ENDPOINT_CONFIGURATION = "aws:sagemaker/endpointConfiguration:EndpointConfiguration"
AGENTCORE_RUNTIME = "aws:bedrock/agentcoreAgentRuntime:AgentcoreAgentRuntime"
AGENTCORE_GATEWAY = "aws:bedrock/agentcoreGateway:AgentcoreGateway"
AGENTCORE_API_KEY_PROVIDER = "aws:bedrock/agentcoreApiKeyCredentialProvider:AgentcoreApiKeyCredentialProvider"
AGENTCORE_OAUTH2_PROVIDER = "aws:bedrock/agentcoreOauth2CredentialProvider:AgentcoreOauth2CredentialProvider"
AGENTCORE_CODE_INTERPRETER = "aws:bedrock/agentcoreCodeInterpreter:AgentcoreCodeInterpreter"
AGENTCORE_BROWSER = "aws:bedrock/agentcoreBrowser:AgentcoreBrowser"
