"""Resources passed as inputs (not their ids): the pattern that used to fail on 'a different loop'."""
import pulumi
import pulumi_aws as aws

role = aws.iam.Role("worker", assume_role_policy=aws.iam.get_policy_document(statements=[{
    "actions": ["sts:AssumeRole"], "principals": [{"type": "Service", "identifiers": ["lambda.amazonaws.com"]}]}]).json)
fn = aws.lambda_.Function("worker", role=role.arn, runtime="python3.12", handler="w.handle",
                          code=pulumi.AssetArchive({"w.py": pulumi.StringAsset("def handle(e, c): pass\n")}))
queue = aws.sqs.Queue("jobs", visibility_timeout_seconds=60)
topic = aws.sns.Topic("events")
aws.lambda_.Permission("from-sns", function=fn, action="lambda:InvokeFunction", principal="sns.amazonaws.com",
                       source_arn=topic.arn)
aws.lambda_.EventSourceMapping("jobs", event_source_arn=queue.arn, function_name=fn)
aws.sns.TopicSubscription("worker", topic=topic, protocol="lambda", endpoint=fn.arn)
aws.iam.RolePolicyAttachment("worker-basic", role=role,
                             policy_arn="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
