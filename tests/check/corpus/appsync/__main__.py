import pulumi
import pulumi_aws as aws

SCHEMA = """
type Task { id: ID! title: String }
type Query { task(id: ID!): Task }
schema { query: Query }
"""

tasks = aws.dynamodb.Table("tasks", hash_key="id", billing_mode="PAY_PER_REQUEST",
                           attributes=[{"name": "id", "type": "S"}],
                           point_in_time_recovery={"enabled": True})
api = aws.appsync.GraphQLApi("tasks", authentication_type="API_KEY", schema=SCHEMA)
key = aws.appsync.ApiKey("tasks", api_id=api.id)
role = aws.iam.Role("appsync-tasks", assume_role_policy="""{
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Allow", "Principal": {"Service": "appsync.amazonaws.com"}, "Action": "sts:AssumeRole"}]
}""")
source = aws.appsync.DataSource("tasks", api_id=api.id, name="tasks", type="AMAZON_DYNAMODB",
                                service_role_arn=role.arn,
                                dynamodb_config={"table_name": tasks.name})
aws.appsync.Resolver("get-task", api_id=api.id, type="Query", field="task", data_source=source.name,
                     request_template='{"version": "2017-02-28", "operation": "GetItem", "key": {"id": $util.dynamodb.toDynamoDBJson($ctx.args.id)}}',
                     response_template="$util.toJson($ctx.result)")
pulumi.export("graphql", api.uris["GRAPHQL"])
pulumi.export("key", key.key)
