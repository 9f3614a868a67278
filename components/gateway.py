"""ModelGateway: the HTTP entry point of an LLM feature, with every control an internet-facing model call needs.

- API Gateway REST API (regional) with one POST route. Callers authenticate with IAM (SigV4), a Cognito
  user pool, or an API key; every caller also carries an API key of its own usage plan (rate, burst and
  a daily quota per consumer: the per-user cost limit).
- The request body is validated against a JSON schema before the function runs: a prompt of bounded
  length, an optional model that must be in the allow-list, nothing else.
- ApiProtection on the stage: WAF rate limit and AWS managed rules, method throttling, X-Ray, JSON access
  logs carrying $context.requestId, execution logs without bodies. (The managed common rule set blocks
  bodies over 8 KB, which the default prompt bound of 4,000 characters stays well within for most text.)
- A Lambda handler with JSON logs to an encrypted, retained log group, X-Ray tracing, reserved
  concurrency, a KMS-encrypted dead-letter queue and environment, published versions behind a 'live'
  alias (CanaryDeployment shifts it), and a role that may invoke only the allow-listed models, only
  through the guardrail (bedrock:ApplyGuardrail on that guardrail).
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any, Dict, Mapping, Optional, Sequence

import pulumi
import pulumi_aws as aws

from ._base import AwsContext, assume_role_policy, child, merge_tags, policy_document, require, token, \
    validate_positive
from .api import ApiProtection, ApiProtectionArgs
from .models import ModelPrice, invoke_resource_arns, prices_json, validate_model_ids, validate_prices

AUTH_MODES = ("AWS_IAM", "COGNITO_USER_POOLS", "API_KEY")
LIVE_ALIAS = "live"
_PATH = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_FUNCTION_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def request_schema(models: Sequence[str], max_prompt_chars: int) -> Dict[str, Any]:
    """The JSON schema (draft 4, what API Gateway models speak) every request body must match."""
    return {
        "$schema": "http://json-schema.org/draft-04/schema#", "title": "ChatRequest", "type": "object",
        "additionalProperties": False, "required": ["prompt"],
        "properties": {
            "prompt": {"type": "string", "minLength": 1, "maxLength": max_prompt_chars},
            "model": {"type": "string", "enum": list(models)},
            "conversationId": {"type": "string", "pattern": "^[A-Za-z0-9-]{1,64}$"},
        },
    }


@dataclass
class ModelGatewayArgs:
    code: pulumi.Archive
    """The handler package, e.g. pulumi.FileArchive('./handler')."""
    allowed_models: Sequence[str]
    """Bedrock model ids the feature may call; the role, the schema and the handler allow nothing else."""
    prices: Mapping[str, ModelPrice]
    """Price of every allowed model; the handler reports each request's estimated cost with it."""
    guardrail_id: pulumi.Input[str]
    guardrail_arn: pulumi.Input[str]
    guardrail_version: pulumi.Input[str]
    """A published version (Guardrail.version_number), never DRAFT."""
    kms_key_arn: pulumi.Input[str]
    """Encrypts the function's environment, its log groups and the dead-letter queue (the key must grant the
    'logs' service: KmsKeyArgs.services)."""
    consumers: Sequence[str]
    """One API key and usage plan entry per consumer (e.g. ['web-app']): rate limits and quotas per caller."""
    auth: str = "AWS_IAM"
    """How callers authenticate: 'AWS_IAM' (SigV4), 'COGNITO_USER_POOLS' or 'API_KEY' (the key alone)."""
    cognito_user_pool_arns: Sequence[pulumi.Input[str]] = ()
    default_model: Optional[str] = None
    """Model used when a request names none (default: the first allowed model)."""
    handler: str = "app.handler"
    runtime: str = "python3.12"
    function_name: Optional[str] = None
    path: str = "chat"
    stage_name: str = "v1"
    max_prompt_chars: int = 4000
    max_output_tokens: int = 512
    reserved_concurrency: int = 10
    """Most concurrent executions: caps what a spike (or a loop) can spend on the model."""
    timeout_seconds: int = 29
    memory_mb: int = 512
    rate_limit_per_second: float = 10.0
    burst_limit: int = 20
    daily_quota: int = 10000
    waf_requests_per_5_minutes_per_ip: int = 500
    log_retention_days: int = 365
    metric_namespace: str = "Preflight/LLM"
    service_name: Optional[str] = None
    """The 'service' dimension of the handler's metrics (default: the component name)."""
    cloudwatch_role_arn: Optional[pulumi.Input[str]] = None
    """Passed to ApiProtection: sets the account's API Gateway logging role (once per account and region)."""
    xray_tracing: bool = True
    """Opt-out: False traces neither the stage nor the function (the pack flags both)."""
    request_validation: bool = True
    """Opt-out: False forwards any body to the function unvalidated (the pack flags the method)."""
    environment: Mapping[str, str] = field(default_factory=dict)
    """Extra environment variables (never secrets: pass a Secrets Manager ARN instead)."""
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        validate_model_ids(self.allowed_models, "ModelGatewayArgs.allowed_models")
        validate_prices(self.allowed_models, self.prices, "ModelGatewayArgs.prices")
        if self.default_model is not None:
            require(self.default_model in self.allowed_models,
                    f"ModelGatewayArgs.default_model {self.default_model!r} is not in allowed_models")
        require(self.auth in AUTH_MODES, f"ModelGatewayArgs.auth {self.auth!r} must be one of {', '.join(AUTH_MODES)}")
        if self.auth == "COGNITO_USER_POOLS":
            require(len(self.cognito_user_pool_arns) > 0,
                    "ModelGatewayArgs.auth is COGNITO_USER_POOLS but cognito_user_pool_arns is empty; pass the "
                    "user pool ARN(s) whose tokens may call the API")
        require(self.code is not None, "ModelGatewayArgs.code is required: the handler package "
                                       "(pulumi.FileArchive('./handler'))")
        require(isinstance(self.path, str) and bool(_PATH.match(self.path)),
                f"ModelGatewayArgs.path {self.path!r} must be one lowercase path segment, e.g. 'chat'")
        if self.function_name is not None:
            require(bool(_FUNCTION_NAME.match(self.function_name)),
                    f"ModelGatewayArgs.function_name {self.function_name!r} must be 1-64 letters, digits, - or _")
        validate_positive(self.max_prompt_chars, "ModelGatewayArgs.max_prompt_chars", minimum=1, maximum=100_000)
        validate_positive(self.max_output_tokens, "ModelGatewayArgs.max_output_tokens", minimum=1, maximum=32_000)
        validate_positive(self.reserved_concurrency, "ModelGatewayArgs.reserved_concurrency", minimum=1,
                          maximum=1000)
        # API Gateway gives up on an integration after 29 seconds.
        validate_positive(self.timeout_seconds, "ModelGatewayArgs.timeout_seconds", minimum=3, maximum=29)
        validate_positive(self.memory_mb, "ModelGatewayArgs.memory_mb", minimum=128, maximum=10240)
        validate_positive(self.log_retention_days, "ModelGatewayArgs.log_retention_days")
        require(bool(re.match(r"^[A-Za-z0-9/_.#:-]{1,255}$", self.metric_namespace))
                and not self.metric_namespace.startswith("AWS/"),
                f"ModelGatewayArgs.metric_namespace {self.metric_namespace!r} must be a custom namespace (not AWS/...)")
        reserved = {"AWS_REGION", "MODEL_IDS", "DEFAULT_MODEL", "GUARDRAIL_ID", "GUARDRAIL_VERSION", "PRICES"}
        clash = sorted(reserved & set(self.environment))
        require(not clash, f"ModelGatewayArgs.environment sets {clash}, which the gateway sets itself")
        # ApiProtectionArgs validates consumers, stage name and the limits when the component builds it.
        ApiProtectionArgs(rest_api_id="validate", deployment_id="validate", stage_name=self.stage_name,
                          kms_key_arn="validate", consumers=self.consumers,
                          rate_limit_per_second=self.rate_limit_per_second, burst_limit=self.burst_limit,
                          daily_quota=self.daily_quota,
                          waf_requests_per_5_minutes_per_ip=self.waf_requests_per_5_minutes_per_ip,
                          log_retention_days=self.log_retention_days)


class ModelGateway(pulumi.ComponentResource):
    # The checklist items this component builds by default (docs/checklist.md lists them per item).
    CHECKLIST = ("security.api", "ai.cost", "ai.prompt-injection", "observability.logging", "observability.tracing")
    function: aws.lambda_.Function
    alias: aws.lambda_.Alias
    dead_letter_queue: aws.sqs.Queue
    log_group: aws.cloudwatch.LogGroup
    rest_api: aws.apigateway.RestApi
    method: aws.apigateway.Method
    protection: ApiProtection
    function_name: pulumi.Output[str]
    api_name: pulumi.Output[str]
    stage_name: str
    service_name: str
    metric_namespace: str
    invoke_url: pulumi.Output[str]

    def __init__(self, name: str, args: ModelGatewayArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__(token("gateway", "ModelGateway"), name, {}, opts)
        ctx = AwsContext.lookup(self)
        tags = merge_tags(args.tags)
        function_name = args.function_name or f"{name}-handler"
        service = args.service_name or name
        self.stage_name = args.stage_name
        self.service_name, self.metric_namespace = service, args.metric_namespace

        # -- the function ------------------------------------------------------------------------------
        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs", name=f"/aws/lambda/{function_name}", retention_in_days=args.log_retention_days,
            kms_key_id=args.kms_key_arn, tags=tags, opts=child(self))
        self.dead_letter_queue = aws.sqs.Queue(
            f"{name}-dlq", name=f"{function_name}-dlq", kms_master_key_id=args.kms_key_arn,
            kms_data_key_reuse_period_seconds=300, message_retention_seconds=14 * 24 * 3600, tags=tags,
            opts=child(self))
        role = aws.iam.Role(
            f"{name}-role", assume_role_policy=assume_role_policy("lambda.amazonaws.com", ctx.account_id),
            max_session_duration=3600, description=f"{function_name}: call the allow-listed models through the "
                                                   f"guardrail, write its logs and traces", tags=tags,
            opts=child(self))
        # The model grant stands alone: it depends only on the allow-list and the account, so it is known in a
        # preview of a new stack and the pack judges it then (the other grants name resources not yet created).
        models_policy = aws.iam.RolePolicy(f"{name}-models", role=role.id, policy=policy_document([
            {"Sid": "InvokeAllowListedModels", "Effect": "Allow",
             "Action": ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
             "Resource": invoke_resource_arns(args.allowed_models, ctx)}]), opts=child(self))
        statements = [
            {"Sid": "ApplyTheGuardrail", "Effect": "Allow", "Action": ["bedrock:ApplyGuardrail"],
             "Resource": [args.guardrail_arn]},
            {"Sid": "WriteOwnLogs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
             "Resource": [pulumi.Output.concat(self.log_group.arn, ":*")]},
            {"Sid": "DeadLetters", "Effect": "Allow", "Action": ["sqs:SendMessage"],
             "Resource": [self.dead_letter_queue.arn]},
            {"Sid": "UseServiceKey", "Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
             "Resource": [args.kms_key_arn]},
        ]
        if args.xray_tracing:
            statements.append({"Sid": "WriteTraces", "Effect": "Allow",
                               "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], "Resource": "*"})
        role_policy = aws.iam.RolePolicy(f"{name}-permissions", role=role.id, policy=policy_document(statements),
                                         opts=child(self))

        environment = {
            **dict(args.environment),
            "SERVICE_NAME": service, "METRIC_NAMESPACE": args.metric_namespace,
            "MODEL_IDS": ",".join(args.allowed_models),
            "DEFAULT_MODEL": args.default_model or args.allowed_models[0],
            "PRICES": prices_json(args.prices),
            "GUARDRAIL_ID": args.guardrail_id, "GUARDRAIL_VERSION": args.guardrail_version,
            "MAX_PROMPT_CHARS": str(args.max_prompt_chars), "MAX_OUTPUT_TOKENS": str(args.max_output_tokens),
        }
        self.function = aws.lambda_.Function(
            f"{name}-function", name=function_name, runtime=args.runtime, handler=args.handler, code=args.code,
            role=role.arn, timeout=args.timeout_seconds, memory_size=args.memory_mb, architectures=["arm64"],
            reserved_concurrent_executions=args.reserved_concurrency, publish=True,
            tracing_config={"mode": "Active" if args.xray_tracing else "PassThrough"},
            logging_config={"log_format": "JSON", "log_group": self.log_group.name,
                            "application_log_level": "INFO", "system_log_level": "WARN"},
            dead_letter_config={"target_arn": self.dead_letter_queue.arn}, kms_key_arn=args.kms_key_arn,
            environment={"variables": environment}, tags=tags,
            opts=child(self, depends_on=[role_policy, models_policy, self.log_group]))
        # Callers reach the function only through this alias. CodeDeploy (CanaryDeployment) moves it from one
        # published version to the next, so Pulumi sets it once and leaves the version to CodeDeploy.
        self.alias = aws.lambda_.Alias(
            f"{name}-live", name=LIVE_ALIAS, function_name=self.function.name,
            function_version=self.function.version, description="the version callers get; CodeDeploy shifts it",
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["functionVersion", "routingConfig"]))

        # -- the API -----------------------------------------------------------------------------------
        self.rest_api = aws.apigateway.RestApi(
            f"{name}-api", name=f"{name}-api", description=f"{name}: LLM feature entry point",
            endpoint_configuration={"types": "REGIONAL"}, api_key_source="HEADER", tags=tags, opts=child(self))
        resource = aws.apigateway.Resource(f"{name}-resource", rest_api=self.rest_api.id,
                                           parent_id=self.rest_api.root_resource_id, path_part=args.path,
                                           opts=child(self))
        model = aws.apigateway.Model(
            f"{name}-request-model", rest_api=self.rest_api.id, name="ChatRequest", content_type="application/json",
            schema=json.dumps(request_schema(args.allowed_models, args.max_prompt_chars), sort_keys=True),
            description="prompt (bounded), optional allow-listed model, optional conversation id",
            opts=child(self))
        validator = None
        if args.request_validation:
            validator = aws.apigateway.RequestValidator(
                f"{name}-validator", rest_api=self.rest_api.id, name=f"{name}-body-and-parameters",
                validate_request_body=True, validate_request_parameters=True, opts=child(self))
        authorizer = None
        if args.auth == "COGNITO_USER_POOLS":
            authorizer = aws.apigateway.Authorizer(
                f"{name}-authorizer", rest_api=self.rest_api.id, name=f"{name}-cognito", type="COGNITO_USER_POOLS",
                provider_arns=list(args.cognito_user_pool_arns), identity_source="method.request.header.Authorization",
                opts=child(self))
        self.method = aws.apigateway.Method(
            f"{name}-method", rest_api=self.rest_api.id, resource_id=resource.id, http_method="POST",
            authorization="NONE" if args.auth == "API_KEY" else args.auth,
            authorizer_id=authorizer.id if authorizer is not None else None, api_key_required=True,
            request_models={"application/json": model.name},
            request_validator_id=validator.id if validator is not None else None, opts=child(self))
        integration = aws.apigateway.Integration(
            f"{name}-integration", rest_api=self.rest_api.id, resource_id=resource.id,
            http_method=self.method.http_method, type="AWS_PROXY", integration_http_method="POST",
            uri=self.alias.invoke_arn, timeout_milliseconds=args.timeout_seconds * 1000, opts=child(self))
        aws.lambda_.Permission(
            f"{name}-invoke", action="lambda:InvokeFunction", function=self.function.name,
            qualifier=self.alias.name, principal="apigateway.amazonaws.com", source_account=ctx.account_id,
            source_arn=pulumi.Output.all(ctx.partition, ctx.region, ctx.account_id, self.rest_api.id).apply(
                lambda v: f"arn:{v[0]}:execute-api:{v[1]}:{v[2]}:{v[3]}/*/POST/{args.path}"), opts=child(self))
        # A new deployment whenever what the stage serves changes.
        fingerprint = hashlib.sha256(json.dumps({
            "schema": request_schema(args.allowed_models, args.max_prompt_chars), "auth": args.auth,
            "validation": args.request_validation, "path": args.path}, sort_keys=True).encode()).hexdigest()
        deployment = aws.apigateway.Deployment(
            f"{name}-deployment", rest_api=self.rest_api.id, description=f"{name} ({fingerprint[:12]})",
            triggers={"fingerprint": fingerprint}, opts=child(self, depends_on=[self.method, integration]))
        self.protection = ApiProtection(f"{name}-protection", ApiProtectionArgs(
            rest_api_id=self.rest_api.id, deployment_id=deployment.id, stage_name=args.stage_name,
            kms_key_arn=args.kms_key_arn, consumers=args.consumers, rate_limit_per_second=args.rate_limit_per_second,
            burst_limit=args.burst_limit, daily_quota=args.daily_quota,
            waf_requests_per_5_minutes_per_ip=args.waf_requests_per_5_minutes_per_ip,
            log_retention_days=args.log_retention_days, xray_tracing=args.xray_tracing,
            cloudwatch_role_arn=args.cloudwatch_role_arn, tags=tags), opts=pulumi.ResourceOptions(parent=self))

        self.function_name = self.function.name
        self.api_name = self.rest_api.name
        self.invoke_url = pulumi.Output.all(self.rest_api.id, ctx.region).apply(
            lambda v: f"https://{v[0]}.execute-api.{v[1]}.amazonaws.com/{args.stage_name}/{args.path}")
        self.register_outputs({"function_name": self.function_name, "alias": self.alias.name,
                               "api_name": self.api_name, "invoke_url": self.invoke_url,
                               "dead_letter_queue_arn": self.dead_letter_queue.arn})
