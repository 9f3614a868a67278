"""AI workloads: ai.cost, ai.prompt-injection, ai.agents (Bedrock, SageMaker, agent roles, budgets)."""
from __future__ import annotations

from fnmatch import fnmatchcase

from ..helpers import (allow_statements, as_list, glob_any, iam_documents, is_true, links_to, non_empty,
                       policy_statements, presence_policy, property_policy, short_type, statement_allows)
from ..model import ADVISORY_EVERYWHERE, PROD_ONLY, resource_policy, stack_policy
from ..resource import UNKNOWN, contains_unknown, is_unknown
from ..model import unknown_during_preview
from .. import tokens as T


# -- prompt injection: guardrails --------------------------------------------------------------------


def _filters(r):
    return [f for f in as_list(r.peek("contentPolicyConfig.filtersConfigs")) if isinstance(f, dict)]


@resource_policy(
    name="bedrock-guardrail-prompt-attack",
    title="Bedrock guardrails must filter prompt attacks at HIGH input strength",
    checklist=("ai.prompt-injection", "ai.agents"), severity="high",
    frameworks=("Prowler:bedrock_guardrail_prompt_attack_filter_enabled",),
    types=T.BEDROCK_GUARDRAIL,
    remediation="Add {'type': 'PROMPT_ATTACK', 'input_strength': 'HIGH', 'output_strength': 'NONE'} to "
                "content_policy_config.filters_configs on aws.bedrock.Guardrail.",
)
def bedrock_guardrail_prompt_attack(r, report):
    if contains_unknown(r.peek("contentPolicyConfig")):
        unknown_during_preview("content_policy_config")
    attack = [f for f in _filters(r) if f.get("type") == "PROMPT_ATTACK"]
    if not attack:
        report(f"guardrail '{r.name}' has no PROMPT_ATTACK filter, so jailbreaks and prompt injection pass through; "
               "add "
               f"a content filter of type PROMPT_ATTACK with input_strength='HIGH'")
    elif not any(f.get("inputStrength") == "HIGH" and f.get("inputEnabled", True) is not False for f in attack):
        report(f"guardrail '{r.name}' filters prompt attacks below HIGH input strength; set input_strength='HIGH'")


bedrock_guardrail_sensitive_info = property_policy(
    name="bedrock-guardrail-sensitive-info",
    title="Bedrock guardrails should mask or block sensitive information (PII)",
    checklist=("compliance.data", "ai.prompt-injection"), severity="medium",
    frameworks=("Prowler:bedrock_guardrail_sensitive_information_filter_enabled",),
    types=T.BEDROCK_GUARDRAIL, path="sensitiveInformationPolicyConfig", expect=non_empty,
    levels=ADVISORY_EVERYWHERE,
    message="guardrail '{name}' has no sensitive information policy, so personal data can flow into and out of the "
            "model; add sensitive_information_policy_config with pii_entities_configs (ANONYMIZE or BLOCK)",
    remediation="Set sensitive_information_policy_config={'pii_entities_configs': [{'type': 'EMAIL', 'action': "
                "'ANONYMIZE'}, {'type': 'AWS_SECRET_KEY', 'action': 'BLOCK'}, ...]} on aws.bedrock.Guardrail.",
)

bedrock_guardrail_kms = property_policy(
    name="bedrock-guardrail-kms",
    title="Bedrock guardrails should be encrypted with a customer managed KMS key",
    checklist="security.encryption", severity="low",
    frameworks=("Preflight:bedrock-guardrail-kms",),
    types=T.BEDROCK_GUARDRAIL, path="kmsKeyArn", expect=non_empty, levels=ADVISORY_EVERYWHERE,
    message="guardrail '{name}' is encrypted with an AWS owned key; set kms_key_arn to control who can read its "
            "configuration (denied topics and words reveal what you protect against)",
    remediation="Set kms_key_arn=key.arn on aws.bedrock.Guardrail.",
)

# -- agents --------------------------------------------------------------------------------------------
bedrock_agent_guardrail = property_policy(
    name="bedrock-agent-guardrail",
    title="Bedrock agents must be tied to a guardrail",
    checklist=("ai.agents", "ai.prompt-injection"), severity="high",
    frameworks=("Checkov:CKV_AWS_383", "Prowler:bedrock_agent_guardrail_enabled"),
    types=T.BEDROCK_AGENT, path="guardrailConfigurations.0.guardrailIdentifier", expect=non_empty,
    message="agent '{name}' runs without a guardrail, so prompt injection reaches the model and its tools "
            "unfiltered; set guardrail_configurations=[{{'guardrail_identifier': g.guardrail_id, "
            "'guardrail_version': v.version}}]",
    remediation="Set guardrail_configurations=[{'guardrail_identifier': guardrail.guardrail_id, 'guardrail_version': "
                "version.version}] on aws.bedrock.AgentAgent, using a guardrail with a HIGH PROMPT_ATTACK filter.",
)

bedrock_agent_kms = property_policy(
    name="bedrock-agent-kms",
    title="Bedrock agents must encrypt their sessions with a customer managed KMS key",
    checklist=("security.encryption", "ai.agents"), severity="medium",
    frameworks=("Checkov:CKV_AWS_373",),
    types=T.BEDROCK_AGENT, path="customerEncryptionKeyArn", expect=non_empty,
    message="agent '{name}' encrypts its session data with an AWS owned key; set customer_encryption_key_arn",
    remediation="Set customer_encryption_key_arn=key.arn on aws.bedrock.AgentAgent (the agent role needs "
                "kms:GenerateDataKey and kms:Decrypt on it).",
)


@stack_policy(
    name="bedrock-agent-role-not-shared",
    title="Each Bedrock agent must have its own IAM role",
    checklist=("ai.agents", "security.iam"), severity="medium",
    frameworks=("Prowler:bedrock_agent_role_not_shared_across_agents",),
    types=(T.BEDROCK_AGENT, T.IAM_ROLE),
    remediation="Create one aws.iam.Role per aws.bedrock.AgentAgent (agent_resource_role_arn), scoped to that "
                "agent's models, knowledge bases and action-group functions.",
)
def bedrock_agent_role_not_shared(stack, report):
    by_role = {}
    for agent in stack.of_type(T.BEDROCK_AGENT):
        roles = [r for r in stack.of_type(T.IAM_ROLE) if links_to(agent, "agentResourceRoleArn", r, "arn", "name")]
        keys = [r.urn for r in roles]
        if not keys:
            value = agent.peek("agentResourceRoleArn")
            keys = [value] if isinstance(value, str) and not is_unknown(value) else []
        for key in keys:
            by_role.setdefault(key, []).append(agent)
    for agents in by_role.values():
        if len(agents) > 1:
            names = ", ".join(sorted(a.name for a in agents))
            for agent in agents:
                report(f"agent '{agent.name}' shares its IAM role with other agents ({names}), so each can do what "
                       f"any of them may; give every agent its own role", agent.urn)


DESTRUCTIVE_WORDS = ("delete", "terminate", "destroy", "drop", "remove", "purge", "revoke", "shutdown",
                     "refund", "transfer", "wipe", "truncate", "cancel", "disable", "reset")


def _action_group_text(r) -> str:
    parts = [r.peek("actionGroupName"), r.peek("description")]
    for fn in as_list(r.peek("functionSchema.memberFunctions.functions")):
        if isinstance(fn, dict):
            parts += [fn.get("name"), fn.get("description")]
    parts.append(r.peek("apiSchema.payload"))
    return " ".join(p for p in parts if isinstance(p, str) and not is_unknown(p)).lower()


@resource_policy(
    name="bedrock-action-group-human-approval",
    title="Bedrock agent action groups that can destroy data must return control to a human (RETURN_CONTROL)",
    checklist=("ai.agents", "ai.prompt-injection"), severity="high",
    frameworks=("Preflight:agent-human-approval",),
    types=T.BEDROCK_ACTION_GROUP,
    config={"destructiveWords": {
        "type": "array", "items": {"type": "string"}, "default": list(DESTRUCTIVE_WORDS),
        "description": "Words in an action group's name, description, function names or API schema that mark it "
                       "as destructive."}},
    remediation="Set action_group_executor={'custom_control': 'RETURN_CONTROL'} on aws.bedrock.AgentAgentActionGroup "
                "for destructive actions: the agent returns the call to your application, which asks a human to "
                "approve it before running it; keep read-only actions in a separate Lambda-backed group.",
)
def bedrock_action_group_human_approval(r, report):
    control = r.peek("actionGroupExecutor.customControl")
    if control is UNKNOWN:
        unknown_during_preview("custom_control")
    if control == "RETURN_CONTROL":
        return
    text = _action_group_text(r)
    words = [w for w in (r.config.get("destructiveWords") or DESTRUCTIVE_WORDS) if isinstance(w, str)]
    hits = sorted({w for w in words if w.lower() in text})
    if hits:
        report(f"action group '{r.name}' looks destructive ({', '.join(hits)}) but the agent runs it without a human: "
               f"set action_group_executor custom_control='RETURN_CONTROL' so your application asks for approval")


# -- agent roles -----------------------------------------------------------------------------------------
AGENT_SERVICES = ("bedrock.amazonaws.com", "bedrock-agentcore.amazonaws.com")
AGENT_TAG_KEYS = ("preflight:agent", "agent", "ai-agent")

DESTRUCTIVE_ACTIONS = (
    "*:Delete*", "*:Terminate*", "*:Destroy*", "*:Purge*", "*:Remove*", "kms:ScheduleKeyDeletion", "kms:DisableKey",
    "cloudtrail:StopLogging", "cloudtrail:DeleteTrail", "cloudtrail:UpdateTrail", "s3:PutBucketPolicy",
    "s3:PutBucketAcl", "s3:PutLifecycleConfiguration", "iam:Put*Policy", "iam:Attach*Policy", "iam:CreateAccessKey",
    "iam:UpdateAssumeRolePolicy", "iam:PassRole", "ec2:StopInstances", "ec2:ModifyInstanceAttribute",
    "rds:ModifyDBInstance", "rds:ModifyDBCluster", "dynamodb:UpdateTable", "organizations:LeaveOrganization",
    "guardduty:DeleteDetector", "config:StopConfigurationRecorder",
)
# Concrete actions used to decide whether a wildcard grant ("s3:*", "*") covers a destructive pattern.
_DESTRUCTIVE_SAMPLES = (
    "s3:DeleteBucket", "s3:DeleteObject", "s3:PutBucketPolicy", "dynamodb:DeleteTable", "dynamodb:DeleteItem",
    "rds:DeleteDBInstance", "rds:DeleteDBCluster", "ec2:TerminateInstances", "ec2:DeleteVolume", "ec2:DeleteSnapshot",
    "kms:ScheduleKeyDeletion", "kms:DisableKey", "cloudtrail:StopLogging", "cloudtrail:DeleteTrail",
    "iam:DeleteRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:CreateAccessKey", "iam:PassRole",
    "lambda:DeleteFunction", "secretsmanager:DeleteSecret", "logs:DeleteLogGroup", "backup:DeleteRecoveryPoint",
    "cloudformation:DeleteStack", "ecs:DeleteService", "eks:DeleteCluster", "sqs:PurgeQueue",
    "elasticache:DeleteReplicationGroup", "efs:DeleteFileSystem",
)
# AWS managed policies that grant destructive actions wholesale.
_BROAD_MANAGED = ("AdministratorAccess", "PowerUserAccess", "IAMFullAccess", "AmazonS3FullAccess",
                  "AmazonEC2FullAccess", "AmazonRDSFullAccess", "AmazonDynamoDBFullAccess", "AWSLambda_FullAccess",
                  "AmazonBedrockFullAccess", "SecretsManagerReadWrite")


def trusted_services(role) -> set:
    services = set()
    for stmt in policy_statements(role.peek("assumeRolePolicy")):
        if stmt.get("Effect") == "Allow" and isinstance(stmt.get("Principal"), dict):
            services.update(s for s in as_list(stmt["Principal"].get("Service")) if isinstance(s, str))
    return services


def is_agent_role(role, tag_keys=AGENT_TAG_KEYS) -> str:
    """Why `role` is an AI agent's role ('' if it is not): trusted by Bedrock, or tagged as an agent."""
    services = trusted_services(role) & set(AGENT_SERVICES)
    if services:
        return f"trusted by {', '.join(sorted(services))}"
    tags = role.peek("tags")
    if isinstance(tags, dict):
        wanted = {k.lower() for k in tag_keys}
        for k, v in tags.items():
            if isinstance(k, str) and k.lower() in wanted and str(v).lower() in ("true", "yes", "1"):
                return f"tagged {k}={v}"
    return ""


def destructive_grants(document, patterns) -> list:
    found = []
    for stmt in allow_statements(document):
        actions = [a for a in as_list(stmt.get("Action")) if isinstance(a, str)]
        hits = [a for a in actions if glob_any(a, patterns)]
        hits += [s for s in statement_allows(stmt, _DESTRUCTIVE_SAMPLES) if glob_any(s, patterns)]
        if hits:
            found.append(sorted(set(hits))[0] if not any(a in ("*", "*:*") for a in actions) else "*")
    return found


def _log_delivery_roles(stack) -> set:
    """Roles that Bedrock assumes to deliver invocation logs: trusted by Bedrock, but not an agent's."""
    urns = set()
    for config in stack.of_type(T.BEDROCK_INVOCATION_LOGGING):
        urns.update(r.urn for r in stack.referenced(config, "loggingConfig", T.IAM_ROLE))
    return urns


def agent_roles(stack, tag_keys):
    """(role, why) for every AI agent role in the stack: trusted by Bedrock, tagged, or used by an agent.

    Roles whose trust policy or tags are unknown in preview are judged at update time.
    """
    delivery = _log_delivery_roles(stack)
    agents = stack.of_type(T.BEDROCK_AGENT)
    for role in stack.of_type(T.IAM_ROLE):
        if role.urn in delivery or is_unknown(role.peek("assumeRolePolicy")) or is_unknown(role.peek("tags")):
            continue
        why = is_agent_role(role, tag_keys)
        if not why and any(links_to(a, "agentResourceRoleArn", role, "arn", "name") for a in agents):
            why = "used by a Bedrock agent"
        if why:
            yield role, why


def _role_documents(stack, role):
    """(where, document) for every policy the stack gives `role`: inline, RolePolicy, attachments."""
    yield from iam_documents(role)
    for rp in stack.of_type(T.IAM_ROLE_POLICY):
        if links_to(rp, "role", role, "name"):
            yield f"aws.iam.RolePolicy '{rp.name}'", rp.peek("policy")
    arns = [a for a in as_list(role.peek("managedPolicyArns")) if isinstance(a, str)]
    for att in stack.of_type(T.IAM_ROLE_POLICY_ATTACHMENT):
        if links_to(att, "role", role, "name"):
            managed = [p for p in stack.of_type(T.IAM_MANAGED_POLICY) if links_to(att, "policyArn", p, "arn", "name")]
            for p in managed:
                yield f"aws.iam.Policy '{p.name}'", p.peek("policy")
            arn = att.peek("policyArn")
            if not managed and isinstance(arn, str):
                arns.append(arn)
    for arn in arns:
        if not is_unknown(arn) and arn.rsplit("/", 1)[-1] in _BROAD_MANAGED:
            yield f"managed policy {arn.rsplit('/', 1)[-1]}", {"Statement": [{"Effect": "Allow", "Action": "*",
                                                                            "Resource": "*"}]}


@stack_policy(
    name="agent-role-no-destructive-actions",
    title="AI agent roles must not allow destructive actions",
    checklist=("ai.agents", "security.iam"), severity="critical",
    frameworks=("Prowler:bedrock_agent_role_least_privilege",),
    types=(T.IAM_ROLE, T.IAM_ROLE_POLICY, T.IAM_ROLE_POLICY_ATTACHMENT, T.IAM_MANAGED_POLICY),
    config={
        "destructiveActions": {"type": "array", "items": {"type": "string"}, "default": list(DESTRUCTIVE_ACTIONS),
                               "description": "IAM action globs an agent role may not be allowed."},
        "agentTagKeys": {"type": "array", "items": {"type": "string"}, "default": list(AGENT_TAG_KEYS),
                         "description": "Tag keys that, set to 'true', mark a role as an AI agent's role."}},
    remediation="Grant the agent role only read and narrowly scoped write actions; route destructive operations "
                "through a RETURN_CONTROL action group (a human approves, your application executes with its own "
                "role); attach a permissions_boundary that denies Delete*/Terminate* (components.AgentAccess does).",
)
def agent_role_no_destructive_actions(stack, report):
    patterns = stack.config.get("destructiveActions") or DESTRUCTIVE_ACTIONS
    tag_keys = stack.config.get("agentTagKeys") or AGENT_TAG_KEYS
    for role, why in agent_roles(stack, tag_keys):
        for where, document in _role_documents(stack, role):
            grants = destructive_grants(document, patterns)
            if grants:
                report(f"role '{role.name}' belongs to an AI agent ({why}) and its {where} allows {grants[0]}: an "
                       f"injected prompt could make the agent delete or disable resources; remove destructive actions "
                       f"and let a human approve them (RETURN_CONTROL)", role.urn)
                break


@stack_policy(
    name="agent-role-permissions-boundary",
    title="AI agent roles must have a permissions boundary",
    checklist=("ai.agents", "security.iam"), severity="high",
    frameworks=("Preflight:agent-permissions-boundary",),
    types=(T.IAM_ROLE, T.BEDROCK_AGENT, T.BEDROCK_INVOCATION_LOGGING),
    config={"agentTagKeys": {"type": "array", "items": {"type": "string"}, "default": list(AGENT_TAG_KEYS),
                             "description": "Tag keys that, set to 'true', mark a role as an AI agent's role."}},
    remediation="Set permissions_boundary=boundary.arn on the agent's aws.iam.Role, with a boundary policy that "
                "denies destructive actions and anything outside the agent's resources, so a later policy change "
                "cannot widen what the agent may do (components.AgentAccess does).",
)
def agent_role_permissions_boundary(stack, report):
    for role, why in agent_roles(stack, stack.config.get("agentTagKeys") or AGENT_TAG_KEYS):
        if role.peek("permissionsBoundary") in (None, ""):
            report(f"role '{role.name}' belongs to an AI agent ({why}) but has no permissions_boundary, so any "
                   f"policy attached later widens what the agent can do; set permissions_boundary", role.urn)


# -- expensive models ------------------------------------------------------------------------------------
INVOKE_ACTIONS = ("bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream", "bedrock:Converse",
                  "bedrock:ConverseStream", "bedrock:CreateModelInvocationJob")
EXPENSIVE_MODELS = ("*opus*", "*gpt-4*", "*gpt-5*", "*llama3-1-405b*", "*mistral-large*", "*nova-premier*",
                    "*command-r-plus*", "*jamba-1-5-large*", "*provisioned-model*")
# Representative model ids, to tell whether a wildcard resource covers an expensive model.
_MODEL_SAMPLES = ("anthropic.claude-3-opus-20240229-v1:0", "anthropic.claude-opus-4-20250514-v1:0",
                  "anthropic.claude-opus-4-1-20250805-v1:0", "meta.llama3-1-405b-instruct-v1:0",
                  "mistral.mistral-large-2407-v1:0", "amazon.nova-premier-v1:0", "cohere.command-r-plus-v1:0",
                  "ai21.jamba-1-5-large-v1:0", "openai.gpt-4o", "anthropic.claude-3-5-haiku-20241022-v1:0")


def _expensive_samples(patterns) -> list:
    ids = [m for m in _MODEL_SAMPLES if glob_any(m, patterns)]
    ids += [p.replace("*", "") for p in patterns if isinstance(p, str) and p.replace("*", "")]
    arns = []
    for model in ids:
        arns += [f"arn:aws:bedrock:us-east-1::foundation-model/{model}",
                 f"arn:aws:bedrock:us-east-1:111122223333:inference-profile/us.{model}",
                 f"arn:aws:bedrock:us-east-1:111122223333:provisioned-model/{model}"]
    return arns


def expensive_grants(document, patterns, allowed) -> list:
    """Model resources an IAM document lets its holder invoke that match `patterns` (or cover them by wildcard)
    and are not in `allowed`."""
    samples = _expensive_samples(patterns)
    found = []
    for stmt in allow_statements(document):
        if not statement_allows(stmt, INVOKE_ACTIONS):
            continue
        resources = ["*"] if "NotResource" in stmt else as_list(stmt.get("Resource"))
        for res in resources:
            if not isinstance(res, str) or is_unknown(res) or glob_any(res, allowed):
                continue
            wildcard = "*" in res or "?" in res
            if glob_any(res, patterns) or (wildcard and any(fnmatchcase(s.lower(), res.lower()) for s in samples)):
                found.append(res)
    return found


@resource_policy(
    name="bedrock-expensive-model-access",
    title="IAM grants to invoke expensive models (or every model) need an explicit allow-list",
    checklist=("ai.cost", "security.iam"), severity="high",
    frameworks=("Preflight:expensive-model-allow-list",),
    types=T.IAM_POLICY_DOCUMENT_HOLDERS + (T.IAM_ROLE,),
    config={
        "expensiveModels": {"type": "array", "items": {"type": "string"}, "default": list(EXPENSIVE_MODELS),
                            "description": "Globs over model / inference profile ARNs that count as expensive."},
        "allowedModels": {"type": "array", "items": {"type": "string"}, "default": [],
                          "description": "Model ARNs (or globs) approved for invocation despite matching "
                                         "expensiveModels; an approval, recorded in the policy pack config."}},
    remediation="Grant bedrock:InvokeModel*/Converse* on the specific model or inference-profile ARNs the workload "
                "needs (e.g. arn:aws:bedrock:*::foundation-model/anthropic.claude-3-5-haiku-*), never '*'; when an "
                "expensive model is approved, add its ARN to this policy's allowedModels in --policy-pack-config.",
)
def bedrock_expensive_model_access(r, report):
    patterns = r.config.get("expensiveModels") or EXPENSIVE_MODELS
    allowed = r.config.get("allowedModels") or ()
    for where, document in iam_documents(r):
        if is_unknown(document):
            continue
        grants = expensive_grants(document, patterns, allowed)
        if grants:
            report(f"{short_type(r.type)} '{r.name}' {where} lets its holder invoke expensive models ("
                   f"{', '.join(sorted(set(grants)))}); name cheaper models explicitly, or record the approval by "
                   f"adding the ARN to allowedModels in the policy pack config")


@resource_policy(
    name="bedrock-provisioned-throughput-approved",
    title="Bedrock provisioned throughput (a fixed hourly commitment) must be approved in config",
    checklist="ai.cost", severity="high",
    frameworks=("Preflight:provisioned-throughput-approval",),
    types=(T.BEDROCK_PROVISIONED_THROUGHPUT, T.BEDROCK_MODEL_AGREEMENT),
    config={"approved": {"type": "array", "items": {"type": "string"}, "default": [],
                         "description": "Logical names (or provisioned_model_name / model_id) approved to be "
                                        "created."}},
    remediation="Provisioned throughput bills every hour whether used or not (and commitments last 1-6 months): get "
                "it approved, then add the resource's name to this policy's 'approved' list in --policy-pack-config; "
                "use on-demand inference otherwise.",
)
def bedrock_provisioned_throughput_approved(r, report):
    approved = set(r.config.get("approved") or ())
    names = {r.name, r.peek("provisionedModelName"), r.peek("modelId")}
    if approved & {n for n in names if isinstance(n, str)}:
        return
    what = "provisioned throughput" if r.type == T.BEDROCK_PROVISIONED_THROUGHPUT else "a model offer agreement"
    units = r.peek("modelUnits")
    detail = f" ({units} model units, commitment {r.peek('commitmentDuration') or 'none'})" \
        if isinstance(units, (int, float)) else ""
    report(f"{short_type(r.type)} '{r.name}' creates {what}{detail} without recorded approval; add '{r.name}' to "
           f"approved in the policy pack config once approved, or use on-demand inference")


# -- model invocation logging ----------------------------------------------------------------------------
def uses_bedrock(stack) -> bool:
    if any(r.type.startswith(("aws:bedrock", "aws:bedrockmodel")) for r in stack.resources):
        return True
    for r in stack.of_type(*(T.IAM_POLICY_DOCUMENT_HOLDERS + (T.IAM_ROLE,))):
        for _where, document in iam_documents(r):
            if any(statement_allows(s, INVOKE_ACTIONS) and any(str(a).lower().startswith("bedrock")
                                                               for a in as_list(s.get("Action")))
                   for s in allow_statements(document)):
                return True
    return False


bedrock_invocation_logging = presence_policy(
    name="bedrock-invocation-logging",
    title="Production stacks that use Bedrock must configure model invocation logging",
    checklist=("ai.prompt-injection", "compliance.audit-logging", "observability.logging"), severity="high",
    frameworks=("Prowler:bedrock_model_invocation_logging_enabled",),
    types=(T.BEDROCK_INVOCATION_LOGGING,), levels=PROD_ONLY, when=uses_bedrock,
    message="this production stack uses Bedrock but configures no model invocation logging "
            "(aws.bedrockmodel.InvocationLoggingConfiguration), so prompts and responses of an attack or a cost "
            "spike cannot be investigated",
    remediation="Add aws.bedrockmodel.InvocationLoggingConfiguration(logging_config={'cloudwatch_config': "
                "{'log_group_name': ..., 'role_arn': ...}, 's3_config': {...}, 'text_data_delivery_enabled': True}) "
                "once per account and region (components.ModelInvocationLogging does; components.Environment adds it).",
)


@resource_policy(
    name="bedrock-invocation-logging-destination",
    title="Bedrock model invocation logging must deliver text data to CloudWatch Logs or S3",
    checklist=("compliance.audit-logging", "observability.logging"), severity="medium",
    frameworks=("Prowler:bedrock_model_invocation_logging_text_data_enabled",),
    types=T.BEDROCK_INVOCATION_LOGGING,
    remediation="Set logging_config with cloudwatch_config (log_group_name, role_arn) and/or s3_config (bucket_name) "
                "and text_data_delivery_enabled=True on aws.bedrockmodel.InvocationLoggingConfiguration.",
)
def bedrock_invocation_logging_destination(r, report):
    config = r.peek("loggingConfig")
    if contains_unknown(config):
        unknown_during_preview("logging_config")
    config = config if isinstance(config, dict) else {}
    if not (config.get("cloudwatchConfig") or config.get("s3Config")):
        report(f"invocation logging '{r.name}' has no destination; set cloudwatch_config or s3_config")
    elif config.get("textDataDeliveryEnabled") is not True:
        report(f"invocation logging '{r.name}' does not deliver text (prompts and completions); set "
               f"text_data_delivery_enabled=True")


# -- SageMaker ------------------------------------------------------------------------------------------------
sagemaker_notebook_kms = property_policy(
    name="sagemaker-notebook-kms",
    title="SageMaker notebook instances must encrypt their storage with a KMS key",
    checklist=("security.encryption", "ai.agents"), severity="medium",
    frameworks=("Checkov:CKV_AWS_22", "Prowler:sagemaker_notebook_instance_encryption_enabled"),
    types=T.SAGEMAKER_NOTEBOOK, path="kmsKeyId", expect=non_empty,
    message="notebook instance '{name}' stores data unencrypted by your key; set kms_key_id",
    remediation="Set kms_key_id=key.arn on aws.sagemaker.NotebookInstance.",
)

sagemaker_notebook_no_direct_internet = property_policy(
    name="sagemaker-notebook-no-direct-internet",
    title="SageMaker notebook instances must not have direct internet access",
    checklist=("security.api", "infra.separation"), severity="high",
    frameworks=("AWS-FSBP:SageMaker.1",
                "Prowler:sagemaker_notebook_instance_without_direct_internet_access_configured"),
    types=T.SAGEMAKER_NOTEBOOK, path="directInternetAccess", expect=lambda v: v == "Disabled", missing="Enabled",
    message="notebook instance '{name}' has direct internet access (the default), so data can leave without passing "
            "your network controls; set direct_internet_access='Disabled' with subnet_id and security_groups",
    remediation="Set direct_internet_access='Disabled', subnet_id and security_groups on "
                "aws.sagemaker.NotebookInstance "
                "and reach the internet, if needed, through a NAT gateway or VPC endpoints.",
)

sagemaker_notebook_root_disabled = property_policy(
    name="sagemaker-notebook-root-disabled",
    title="SageMaker notebook instances must not give users root access",
    checklist=("security.iam", "ai.agents"), severity="medium",
    frameworks=("Preflight:sagemaker-notebook-root",),
    types=T.SAGEMAKER_NOTEBOOK, path="rootAccess", expect=lambda v: v == "Disabled", missing="Enabled",
    message="notebook instance '{name}' gives its users root (the default); set root_access='Disabled'",
    remediation="Set root_access='Disabled' on aws.sagemaker.NotebookInstance; install packages through a lifecycle "
                "configuration instead.",
)

sagemaker_endpoint_config_kms = property_policy(
    name="sagemaker-endpoint-config-kms",
    title="SageMaker endpoint configurations must encrypt with a KMS key",
    checklist="security.encryption", severity="medium",
    frameworks=("Checkov:CKV_AWS_98",),
    types=T.SAGEMAKER_ENDPOINT_CONFIG, path="kmsKeyArn", expect=non_empty,
    message="endpoint configuration '{name}' does not encrypt the endpoint's storage with your key; set kms_key_arn",
    remediation="Set kms_key_arn=key.arn on aws.sagemaker.EndpointConfiguration.",
)

sagemaker_model_network_isolation = property_policy(
    name="sagemaker-model-network-isolation",
    title="SageMaker models must run with network isolation",
    checklist=("security.api", "ai.prompt-injection"), severity="medium",
    frameworks=("AWS-FSBP:SageMaker.5", "Prowler:sagemaker_models_network_isolation_enabled"),
    types=T.SAGEMAKER_MODEL, path="enableNetworkIsolation", expect=is_true,
    message="model '{name}' can make outbound network calls from its container (data exfiltration if the model or "
            "its input is hostile); set enable_network_isolation=True",
    remediation="Set enable_network_isolation=True on aws.sagemaker.Model (the container then has no network access; "
                "model artifacts still load from S3).",
)

# -- budgets and cost anomalies ------------------------------------------------------------------------------


def _notifies(budget) -> bool:
    notes = budget.peek("notifications")
    if is_unknown(notes) or contains_unknown(notes):
        return True
    return any(isinstance(n, dict) and (as_list(n.get("subscriberEmailAddresses")) or
                                        as_list(n.get("subscriberSnsTopicArns"))) for n in as_list(notes))


budget_present = presence_policy(
    name="prod-budget-present",
    title="Production stacks must define a cost budget with notifications",
    checklist="ai.cost", severity="high",
    frameworks=("Preflight:prod-budget",),
    types=(T.BUDGET,), levels=PROD_ONLY, satisfied_by=_notifies,
    message="this production stack has no aws.budgets.Budget with a notification, so a runaway model bill is "
            "discovered on the invoice; add a COST budget with ACTUAL and FORECASTED notifications",
    remediation="Add aws.budgets.Budget(budget_type='COST', limit_amount='500', limit_unit='USD', time_unit='MONTHLY', "
                "notifications=[{'comparison_operator': 'GREATER_THAN', 'threshold': 80, 'threshold_type': "
                "'PERCENTAGE', 'notification_type': 'FORECASTED', 'subscriber_email_addresses': [...]}]) "
                "(components.CostGuard does).",
)


@resource_policy(
    name="budget-has-notifications",
    title="Budgets must notify someone",
    checklist=("ai.cost", "observability.alerting"), severity="medium",
    frameworks=("Preflight:budget-notifications",),
    types=T.BUDGET,
    remediation="Add notifications=[{'comparison_operator': 'GREATER_THAN', 'threshold': 80, 'threshold_type': "
                "'PERCENTAGE', 'notification_type': 'FORECASTED', 'subscriber_sns_topic_arns': [topic.arn]}] "
                "to aws.budgets.Budget.",
)
def budget_has_notifications(r, report):
    if contains_unknown(r.peek("notifications")):
        unknown_during_preview("notifications", "are")
    if not _notifies(r):
        report(f"budget '{r.name}' notifies nobody when it is exceeded; add notifications with subscriber e-mail "
               f"addresses or SNS topics")


@stack_policy(
    name="cost-anomaly-detection",
    title="Production accounts should watch for cost anomalies (a monitor with a subscription)",
    checklist=("ai.cost", "observability.alerting"), severity="low",
    frameworks=("Preflight:cost-anomaly-detection",),
    types=(T.ANOMALY_MONITOR, T.ANOMALY_SUBSCRIPTION), levels=ADVISORY_EVERYWHERE,
    remediation="Add aws.costexplorer.AnomalyMonitor(monitor_type='DIMENSIONAL', monitor_dimension='SERVICE') and an "
                "aws.costexplorer.AnomalySubscription(monitor_arn_lists=[monitor.arn], frequency='IMMEDIATE', "
                "subscribers=[...], threshold_expression=...) once per account (stacks/baseline does).",
)
def cost_anomaly_detection(stack, report):
    if stack.environment != "prod" or not any(r.type.startswith("aws:") for r in stack.resources):
        return
    monitors = stack.of_type(T.ANOMALY_MONITOR)
    subscriptions = stack.of_type(T.ANOMALY_SUBSCRIPTION)
    if not monitors:
        report("this production stack defines no aws.costexplorer.AnomalyMonitor; if no other stack does, an unusual "
               "spend (a looping agent, a leaked key) is noticed late. `preflight audit` checks the account")
        return
    for monitor in monitors:
        if not any(links_to(s, "monitorArnLists", monitor, "arn", "name") for s in subscriptions):
            report(f"anomaly monitor '{monitor.name}' has no aws.costexplorer.AnomalySubscription, so anomalies it "
                   f"finds notify nobody", monitor.urn)


POLICIES = [
    bedrock_guardrail_prompt_attack,
    bedrock_guardrail_sensitive_info,
    bedrock_guardrail_kms,
    bedrock_agent_guardrail,
    bedrock_agent_kms,
    bedrock_agent_role_not_shared,
    bedrock_action_group_human_approval,
    agent_role_no_destructive_actions,
    agent_role_permissions_boundary,
    bedrock_expensive_model_access,
    bedrock_provisioned_throughput_approved,
    bedrock_invocation_logging,
    bedrock_invocation_logging_destination,
    sagemaker_notebook_kms,
    sagemaker_notebook_no_direct_internet,
    sagemaker_notebook_root_disabled,
    sagemaker_endpoint_config_kms,
    sagemaker_model_network_isolation,
    budget_present,
    budget_has_notifications,
    cost_anomaly_detection,
]
