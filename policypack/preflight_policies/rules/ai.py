"""AI workloads: ai.cost, ai.prompt-injection, ai.agents (Bedrock, SageMaker, agent roles, budgets)."""
from __future__ import annotations

from fnmatch import fnmatchcase

from ..helpers import (as_list, glob_any, is_true, links_to, non_empty, presence_policy, property_policy,
                       short_type)
from ..helpers import why as why_text
from ..iamdoc import allow_statements, policy_statements, statement_allows
from ..iamdoc import documents as iam_documents
from ..model import ADVISORY_EVERYWHERE, PROD_ONLY, Report, resource_policy, stack_policy
from ..resource import UNKNOWN, Resource, Stack, contains_unknown, is_unknown
from ..model import unknown_during_preview
from .. import tokens as T


# -- prompt injection: guardrails --------------------------------------------------------------------


def _filters(r):
    return [f for f in as_list(r.peek("contentPolicyConfig.filtersConfigs")) if isinstance(f, dict)]


PROMPT_ATTACK_DEFAULT = ("a guardrail filters no prompt attacks unless content_policy_config has a PROMPT_ATTACK "
                         "filter")


@resource_policy(
    name="bedrock-guardrail-prompt-attack",
    aws_default=PROMPT_ATTACK_DEFAULT,
    title="Bedrock guardrails must filter prompt attacks at HIGH input strength",
    checklist=("ai.prompt-injection", "ai.agents"), severity="high",
    cross_references=("Prowler:bedrock_guardrail_prompt_attack_filter_enabled",),
    types=T.BEDROCK_GUARDRAIL,
    remediation="Add {'type': 'PROMPT_ATTACK', 'input_strength': 'HIGH', 'output_strength': 'NONE'} to "
                "content_policy_config.filters_configs on aws.bedrock.Guardrail (components.Guardrail does).",
)
def bedrock_guardrail_prompt_attack(r: Resource, report: Report) -> None:
    if contains_unknown(r.peek("contentPolicyConfig")):
        unknown_during_preview("content_policy_config")
    attack = [f for f in _filters(r) if f.get("type") == "PROMPT_ATTACK"]
    if not attack:
        report(f"guardrail '{r.name}' has no PROMPT_ATTACK filter, so jailbreaks and prompt injection pass through "
               f"({PROMPT_ATTACK_DEFAULT}); add a content filter of type PROMPT_ATTACK with input_strength='HIGH'")
    elif not any(f.get("inputStrength") == "HIGH" and f.get("inputEnabled", True) is not False for f in attack):
        report(f"guardrail '{r.name}' filters prompt attacks below HIGH input strength; set input_strength='HIGH'")


# Harmful-content categories of a guardrail's content filters (GuardrailContentFilterType, besides PROMPT_ATTACK).
CONTENT_CATEGORIES = ("HATE", "INSULTS", "SEXUAL", "VIOLENCE", "MISCONDUCT")
_WEAK = ("NONE", "LOW")
CONTENT_FILTERS_DEFAULT = ("a guardrail filters no harmful-content category that content_policy_config does not list "
                           "with an input and output strength")


def _weak_categories(r, categories) -> list:
    """'HATE (missing)', 'INSULTS (input LOW, output NONE)'...: the categories a guardrail filters below MEDIUM, or
    not at all."""
    by_type = {f.get("type"): f for f in _filters(r)}
    weak = []
    for kind in categories:
        f = by_type.get(kind)
        if f is None:
            weak.append(f"{kind} (missing)")
            continue
        issues = []
        for side in ("input", "output"):
            strength = f.get(f"{side}Strength")
            if f.get(f"{side}Enabled", True) is False:
                issues.append(f"{side} disabled")
            elif strength in _WEAK or strength is None:
                issues.append(f"{side} {strength or 'not set'}")
        if issues:
            weak.append(f"{kind} ({', '.join(issues)})")
    return weak


@resource_policy(
    name="bedrock-guardrail-content-filters",
    aws_default=CONTENT_FILTERS_DEFAULT,
    title="Bedrock guardrails should filter hate, insults, sexual, violence and misconduct at MEDIUM or HIGH",
    checklist="ai.prompt-injection", severity="medium", levels=ADVISORY_EVERYWHERE,
    types=T.BEDROCK_GUARDRAIL,
    config={"categories": {"type": "array", "items": {"type": "string"}, "default": list(CONTENT_CATEGORIES),
                           "description": "Content filter types each guardrail should filter at MEDIUM or HIGH on "
                                          "input and output."}},
    remediation="Add {'type': kind, 'input_strength': 'HIGH', 'output_strength': 'HIGH'} for HATE, INSULTS, SEXUAL, "
                "VIOLENCE and MISCONDUCT to content_policy_config.filters_configs on aws.bedrock.Guardrail "
                "(components.Guardrail does, at HIGH or MEDIUM); a category the feature must discuss can be left "
                "out of this policy's 'categories' in --policy-pack-config.",
)
def bedrock_guardrail_content_filters(r: Resource, report: Report) -> None:
    if contains_unknown(r.peek("contentPolicyConfig")):
        unknown_during_preview("content_policy_config")
    configured = r.config.get("categories")
    categories = [c for c in (CONTENT_CATEGORIES if configured is None else as_list(configured)) if isinstance(c, str)]
    weak = _weak_categories(r, categories)
    if not weak:
        return
    reason = f" ({CONTENT_FILTERS_DEFAULT})" if any(w.endswith("(missing)") for w in weak) else ""
    report(f"guardrail '{r.name}' lets harmful content through, filtering below MEDIUM or not at all: "
           f"{'; '.join(weak)}{reason}; set input_strength and output_strength to 'MEDIUM' or 'HIGH' for each category")


DENIED_TOPICS_DEFAULT = "a guardrail refuses no subject unless topic_policy_config lists denied topics"


@resource_policy(
    name="bedrock-guardrail-denied-topics",
    aws_default=DENIED_TOPICS_DEFAULT,
    title="Bedrock guardrails should deny the topics the feature must not discuss",
    checklist="ai.prompt-injection", severity="low", levels=ADVISORY_EVERYWHERE,
    types=T.BEDROCK_GUARDRAIL,
    remediation="Set topic_policy_config={'topics_configs': [{'name': 'Investment advice', 'definition': ..., "
                "'examples': [...], 'type': 'DENY'}]} on aws.bedrock.Guardrail (components.Guardrail takes "
                "denied_topics); a general assistant with nothing to refuse records that with an exemption of this "
                "policy in --policy-pack-config.",
)
def bedrock_guardrail_denied_topics(r: Resource, report: Report) -> None:
    topics = r.peek("topicPolicyConfig.topicsConfigs")
    if is_unknown(topics) or contains_unknown(r.peek("topicPolicyConfig")):
        unknown_during_preview("topic_policy_config")
    if not any(isinstance(t, dict) and t.get("type", "DENY") == "DENY" for t in as_list(topics)):
        report(f"guardrail '{r.name}' denies no topic, so the model answers on any subject an attacker steers it to "
               f"({DENIED_TOPICS_DEFAULT}); add the subjects the feature must refuse to topic_policy_config, or "
               f"exempt the guardrail if it has none")


GROUNDING_DEFAULT = ("a guardrail checks no answer against its retrieved sources unless "
                     "contextual_grounding_policy_config has a GROUNDING filter")


def _grounding(r) -> dict:
    """type -> threshold of a guardrail's contextual grounding filters."""
    return {f.get("type"): f.get("threshold")
            for f in as_list(r.peek("contextualGroundingPolicyConfig.filtersConfigs")) if isinstance(f, dict)}


def _agent_uses(agent, guardrail) -> bool:
    """The agent's guardrail_configurations names `guardrail` (by dependency, or by id, ARN or name)."""
    if guardrail.urn in agent.property_dependency_urns.get("guardrailConfigurations", ()):
        return True
    ids = {v for v in (guardrail.name, guardrail.peek("name"), guardrail.peek("guardrailId"),
                       guardrail.peek("guardrailArn")) if isinstance(v, str) and not is_unknown(v)}
    return any(isinstance(c, dict) and c.get("guardrailIdentifier") in ids
               for c in as_list(agent.peek("guardrailConfigurations")))


@stack_policy(
    name="bedrock-guardrail-contextual-grounding",
    aws_default=GROUNDING_DEFAULT,
    title="Guardrails of retrieval-augmented apps should block ungrounded answers (contextual grounding)",
    checklist="ai.prompt-injection", severity="low", levels=ADVISORY_EVERYWHERE,
    cross_references=("Prowler:bedrock_guardrail_contextual_grounding_filter_enabled",),
    types=(T.BEDROCK_GUARDRAIL, T.BEDROCK_KNOWLEDGE_BASE, T.BEDROCK_AGENT),
    remediation="Set contextual_grounding_policy_config={'filters_configs': [{'type': 'GROUNDING', 'threshold': 0.75}, "
                "{'type': 'RELEVANCE', 'threshold': 0.75}]} on the aws.bedrock.Guardrail that RetrieveAndGenerate "
                "(or your own retrieval code) applies (components.Guardrail takes grounding_threshold and "
                "relevance_threshold); a threshold of 0 blocks nothing.",
)
def bedrock_guardrail_contextual_grounding(stack: Stack, report: Report) -> None:
    # Only a stack that retrieves (it defines a knowledge base) is judged for a missing grounding check, and only on
    # guardrails no agent uses: AWS supports contextual grounding for summarisation, paraphrasing and question
    # answering over a source, not for conversational (chatbot or agent) use, so demanding it there is a false alarm.
    retrieves = bool(stack.of_type(T.BEDROCK_KNOWLEDGE_BASE))
    agents = stack.of_type(T.BEDROCK_AGENT)
    for g in stack.of_type(T.BEDROCK_GUARDRAIL):
        if contains_unknown(g.peek("contextualGroundingPolicyConfig")):
            continue
        grounding = _grounding(g)
        useless = sorted(k for k, v in grounding.items() if isinstance(k, str) and isinstance(v, (int, float))
                         and not isinstance(v, bool) and v <= 0)
        if useless:
            report(f"guardrail '{g.name}' has {' and '.join(useless)} threshold 0, which blocks nothing; set a "
                   f"threshold such as 0.75", g.urn)
            continue
        used_by_agent = any(_agent_uses(a, g) for a in agents)
        if retrieves and not used_by_agent and "GROUNDING" not in grounding:
            report(f"guardrail '{g.name}' is in a stack that retrieves from a knowledge base but does not check that "
                   f"answers are grounded in the retrieved sources ({GROUNDING_DEFAULT}); add GROUNDING and "
                   f"RELEVANCE filters if it guards retrieval-augmented answers, or exempt it", g.urn)


bedrock_guardrail_sensitive_info = property_policy(
    name="bedrock-guardrail-sensitive-info",
    title="Bedrock guardrails should mask or block sensitive information (PII)",
    checklist=("compliance.data", "ai.prompt-injection"), severity="medium",
    cross_references=("Prowler:bedrock_guardrail_sensitive_information_filter_enabled",),
    types=T.BEDROCK_GUARDRAIL, path="sensitiveInformationPolicyConfig", expect=non_empty,
    levels=ADVISORY_EVERYWHERE,
    message="guardrail '{name}' has no sensitive information policy, so personal data can flow into and out of the "
            "model; add sensitive_information_policy_config with pii_entities_configs (ANONYMIZE or BLOCK)",
    remediation="Set sensitive_information_policy_config={'pii_entities_configs': [{'type': 'EMAIL', 'action': "
                "'ANONYMIZE'}, {'type': 'AWS_SECRET_KEY', 'action': 'BLOCK'}, ...]} on aws.bedrock.Guardrail.",
    aws_default="a guardrail filters no personal data unless it has a sensitive_information_policy_config",
)

bedrock_guardrail_kms = property_policy(
    name="bedrock-guardrail-kms",
    title="Bedrock guardrails should be encrypted with a customer managed KMS key",
    checklist="security.encryption", severity="low",
    types=T.BEDROCK_GUARDRAIL, path="kmsKeyArn", expect=non_empty, levels=ADVISORY_EVERYWHERE,
    message="guardrail '{name}' is encrypted with an AWS owned key; set kms_key_arn to control who can read its "
            "configuration (denied topics and words reveal what you protect against)",
    remediation="Set kms_key_arn=key.arn on aws.bedrock.Guardrail.",
    aws_default="Bedrock encrypts a guardrail with an AWS owned key, not a key you control, unless kms_key_arn is set",
)

# -- agents --------------------------------------------------------------------------------------------
bedrock_agent_guardrail = property_policy(
    name="bedrock-agent-guardrail",
    title="Bedrock agents must be tied to a guardrail",
    checklist=("ai.agents", "ai.prompt-injection"), severity="high",
    cross_references=("Checkov:CKV_AWS_383", "Prowler:bedrock_agent_guardrail_enabled"),
    types=T.BEDROCK_AGENT, path="guardrailConfigurations.0.guardrailIdentifier", expect=non_empty,
    message="agent '{name}' runs without a guardrail, so prompt injection reaches the model and its tools "
            "unfiltered; set guardrail_configurations=[{{'guardrail_identifier': g.guardrail_id, "
            "'guardrail_version': v.version}}]",
    remediation="Set guardrail_configurations=[{'guardrail_identifier': guardrail.guardrail_id, 'guardrail_version': "
                "version.version}] on aws.bedrock.AgentAgent, using a guardrail with a HIGH PROMPT_ATTACK filter.",
    aws_default="a Bedrock agent applies no guardrail unless guardrail_configuration names one",
)

bedrock_agent_kms = property_policy(
    name="bedrock-agent-kms",
    title="Bedrock agents must encrypt their sessions with a customer managed KMS key",
    checklist=("security.encryption", "ai.agents"), severity="medium",
    cross_references=("Checkov:CKV_AWS_373",),
    types=T.BEDROCK_AGENT, path="customerEncryptionKeyArn", expect=non_empty,
    message="agent '{name}' encrypts its session data with an AWS owned key; set customer_encryption_key_arn",
    remediation="Set customer_encryption_key_arn=key.arn on aws.bedrock.AgentAgent (the agent role needs "
                "kms:GenerateDataKey and kms:Decrypt on it).",
    aws_default=("Bedrock encrypts agent session data with an AWS owned key, not a key you control, unless "
                 "customer_encryption_key_arn is set"),
)


@stack_policy(
    name="bedrock-agent-role-not-shared",
    title="Each Bedrock agent must have its own IAM role",
    checklist=("ai.agents", "security.iam"), severity="medium",
    cross_references=("Prowler:bedrock_agent_role_not_shared_across_agents",),
    types=(T.BEDROCK_AGENT, T.IAM_ROLE),
    remediation="Create one aws.iam.Role per aws.bedrock.AgentAgent (agent_resource_role_arn), scoped to that "
                "agent's models, knowledge bases and action-group functions.",
)
def bedrock_agent_role_not_shared(stack: Stack, report: Report) -> None:
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


_FREE_FORM = ("sql", "query", "sqlquery", "querystring", "statement", "code", "script", "command", "cmd",
              "shell", "bash", "expression", "eval", "python", "javascript", "commandline")


def _free_form_parameters(r) -> list:
    """Parameters of an action group that carry SQL, code or shell commands (by name), from the function schema
    or the OpenAPI schema."""
    import re
    names = []
    for fn in as_list(r.peek("functionSchema.memberFunctions.functions")):
        if isinstance(fn, dict):
            for p in as_list(fn.get("parameters")):
                if isinstance(p, dict) and isinstance(p.get("mapBlockKey"), str):
                    names.append(p["mapBlockKey"])
    payload = r.peek("apiSchema.payload")
    if isinstance(payload, str) and not is_unknown(payload):
        names += re.findall(r"""["']?([A-Za-z_][A-Za-z0-9_]*)["']?\s*:\s*\{?\s*["']?type["']?\s*:""", payload)
        names += re.findall(r"""name["']?\s*:\s*["']?([A-Za-z_][A-Za-z0-9_]*)""", payload)
    out = []
    for n in names:
        key = re.sub(r"[^a-z]", "", n.lower())
        if key in _FREE_FORM or key.endswith(("sql", "query", "command", "script", "code")):
            out.append(n)
    return sorted(set(out))


@resource_policy(
    name="bedrock-action-group-human-approval",
    title="Bedrock action groups that destroy data or run free-form SQL/code/commands must return control to a human",
    checklist=("ai.agents", "ai.prompt-injection"), severity="high",
    types=T.BEDROCK_ACTION_GROUP,
    config={"destructiveWords": {
        "type": "array", "items": {"type": "string"}, "default": list(DESTRUCTIVE_WORDS),
        "description": "Words in an action group's name, description, function names or API schema that mark it "
                       "as destructive."}},
    remediation="Set action_group_executor={'custom_control': 'RETURN_CONTROL'} on aws.bedrock.AgentAgentActionGroup "
                "for destructive actions: the agent returns the call to your application, which asks a human to "
                "approve it before running it; keep read-only actions in a separate Lambda-backed group.",
)
def bedrock_action_group_human_approval(r: Resource, report: Report) -> None:
    control = r.peek("actionGroupExecutor.customControl")
    if control is UNKNOWN:
        unknown_during_preview("custom_control")
    if control == "RETURN_CONTROL":
        return
    free_form = _free_form_parameters(r)
    if free_form:
        report(f"action group '{r.name}' takes free-form {', '.join(free_form[:3])} from the model and runs it "
               f"without a human: an injected prompt becomes a query or command; set action_group_executor "
               f"custom_control='RETURN_CONTROL' (or replace the free-form input with narrow, typed parameters)")
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
    tools = stack.cached("agent-tool-roles", lambda: _tool_roles(stack))
    for role in stack.of_type(T.IAM_ROLE):
        if role.urn in delivery or is_unknown(role.peek("assumeRolePolicy")) or is_unknown(role.peek("tags")):
            continue
        why = is_agent_role(role, tag_keys)
        if not why and any(links_to(a, "agentResourceRoleArn", role, "arn", "name") for a in agents):
            why = "used by a Bedrock agent"
        if not why and role.urn in tools:
            why = tools[role.urn]
        if why:
            yield role, why


def _tool_roles(stack) -> dict:
    """role URN -> why, for the roles of Lambda functions an agent can invoke (action groups, AgentCore
    gateway targets): what the tool's role may do, the agent may do."""
    out = {}
    for group in stack.of_type(T.BEDROCK_ACTION_GROUP, "aws:bedrock/agentcoreGatewayTarget:AgentcoreGatewayTarget"):
        prop = "actionGroupExecutor" if group.type == T.BEDROCK_ACTION_GROUP else "targetConfiguration"
        for fn in stack.referenced(group, prop, T.LAMBDA_FUNCTION):
            for role in stack.referenced(fn, "role", T.IAM_ROLE):
                out.setdefault(role.urn, f"the role of Lambda '{fn.name}', a tool the agent invokes through "
                                         f"'{group.name}'")
    return out


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
    cross_references=("Prowler:bedrock_agent_role_least_privilege",),
    types=(T.IAM_ROLE, T.IAM_ROLE_POLICY, T.IAM_ROLE_POLICY_ATTACHMENT, T.IAM_MANAGED_POLICY, T.BEDROCK_ACTION_GROUP,
           T.LAMBDA_FUNCTION),
    config={
        "destructiveActions": {"type": "array", "items": {"type": "string"}, "default": list(DESTRUCTIVE_ACTIONS),
                               "description": "IAM action globs an agent role may not be allowed."},
        "agentTagKeys": {"type": "array", "items": {"type": "string"}, "default": list(AGENT_TAG_KEYS),
                         "description": "Tag keys that, set to 'true', mark a role as an AI agent's role."}},
    remediation="Grant the agent role only read and narrowly scoped write actions; route destructive operations "
                "through a RETURN_CONTROL action group (a human approves, your application executes with its own "
                "role); attach a permissions_boundary that denies Delete*/Terminate* (components.AgentAccess does).",
)
def agent_role_no_destructive_actions(stack: Stack, report: Report) -> None:
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
    types=(T.IAM_ROLE, T.BEDROCK_AGENT, T.BEDROCK_INVOCATION_LOGGING),
    config={"agentTagKeys": {"type": "array", "items": {"type": "string"}, "default": list(AGENT_TAG_KEYS),
                             "description": "Tag keys that, set to 'true', mark a role as an AI agent's role."}},
    remediation="Set permissions_boundary=boundary.arn on the agent's aws.iam.Role, with a boundary policy that "
                "denies destructive actions and anything outside the agent's resources, so a later policy change "
                "cannot widen what the agent may do (components.AgentAccess does).",
)
def agent_role_permissions_boundary(stack: Stack, report: Report) -> None:
    for role, why in agent_roles(stack, stack.config.get("agentTagKeys") or AGENT_TAG_KEYS):
        if role.peek("permissionsBoundary") in (None, ""):
            report(f"role '{role.name}' belongs to an AI agent ({why}) but has no permissions_boundary, so any "
                   f"policy attached later widens what the agent can do; set permissions_boundary", role.urn)


# -- expensive models ------------------------------------------------------------------------------------
# The IAM actions that authorize running a model (Service Authorization Reference for Amazon Bedrock, and each API
# operation's "requires permission for"): bedrock:InvokeModel authorizes the InvokeModel, Converse, StartAsyncInvoke
# and InvokeModelWithBidirectionalStream operations, bedrock:InvokeModelWithResponseStream the InvokeModelWithResponse
# Stream and ConverseStream operations, bedrock:CreateModelInvocationJob batch inference. "bedrock:Converse" and
# "bedrock:ConverseStream" are operations, not IAM actions: a policy that names them grants nothing, so they are not
# here (a grant of bedrock:Invoke* or bedrock:* is recognised through these names).
INVOKE_ACTIONS = ("bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream", "bedrock:CreateModelInvocationJob")
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
    types=T.IAM_POLICY_DOCUMENT_HOLDERS + (T.IAM_ROLE,),
    config={
        "expensiveModels": {"type": "array", "items": {"type": "string"}, "default": list(EXPENSIVE_MODELS),
                            "description": "Globs over model / inference profile ARNs that count as expensive."},
        "allowedModels": {"type": "array", "items": {"type": "string"}, "default": [],
                          "description": "Model ARNs (or globs) approved for invocation despite matching "
                                         "expensiveModels; an approval, recorded in the policy pack config."}},
    remediation="Grant bedrock:InvokeModel and bedrock:InvokeModelWithResponseStream (they also authorize Converse "
                "and ConverseStream) on the specific model or inference-profile ARNs the workload needs (e.g. "
                "arn:aws:bedrock:*::foundation-model/anthropic.claude-3-5-haiku-*), never '*'; when an "
                "expensive model is approved, add its ARN to this policy's allowedModels in --policy-pack-config.",
)
def bedrock_expensive_model_access(r: Resource, report: Report) -> None:
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


THROUGHPUT_DEFAULT = ("AWS creates provisioned throughput or accepts a model offer as soon as it is asked, with no "
                      "approval step; provisioned throughput bills every hour it exists, used or not")


# The operation -> the IAM action that authorizes it (each operation's "requires permission for").
_OPERATION_ACTIONS = {"bedrock:converse": "bedrock:InvokeModel",
                      "bedrock:conversestream": "bedrock:InvokeModelWithResponseStream"}


def _operation_names(stmt) -> list:
    """'bedrock:Converse'-style names in a statement's Action that match no IAM action, unless the statement also
    names the action that really authorizes the operation (then they are only redundant)."""
    found = []
    for action in (a for a in as_list(stmt.get("Action")) if isinstance(a, str)):
        if not action.lower().startswith("bedrock:converse"):
            continue
        needed = [v for k, v in _OPERATION_ACTIONS.items() if fnmatchcase(k, action.lower())]
        if not needed or statement_allows({"Action": stmt.get("Action")}, needed) != needed:
            found.append(action)
    return found


@resource_policy(
    name="bedrock-iam-converse-not-an-action",
    title="IAM statements must authorize Bedrock's Converse API with InvokeModel actions (bedrock:Converse is none)",
    checklist=("security.iam", "ai.cost"), severity="low", levels=ADVISORY_EVERYWHERE,
    types=T.IAM_POLICY_DOCUMENT_HOLDERS + (T.IAM_ROLE,),
    remediation="Name bedrock:InvokeModel (it authorizes Converse) and bedrock:InvokeModelWithResponseStream (it "
                "authorizes ConverseStream) on the model ARNs instead of bedrock:Converse / bedrock:ConverseStream, in "
                "Allow statements and, above all, in Deny statements meant to block a model.",
)
def bedrock_iam_converse_not_an_action(r: Resource, report: Report) -> None:
    for where, document in iam_documents(r):
        if is_unknown(document):
            continue
        for stmt in policy_statements(document):
            names = _operation_names(stmt)
            if not names:
                continue
            effect = stmt.get("Effect")
            if effect == "Deny":
                consequence = "so this Deny blocks nothing: Converse calls are still allowed"
            else:
                consequence = "so this statement grants nothing and Converse calls fail with AccessDenied"
            report(f"{short_type(r.type)} '{r.name}' {where} names {', '.join(sorted(set(names)))}, an API operation "
                   f"that IAM authorizes with bedrock:InvokeModel / bedrock:InvokeModelWithResponseStream, "
                   f"{consequence}; name those actions instead")
            return


@resource_policy(
    name="bedrock-provisioned-throughput-approved",
    aws_default=THROUGHPUT_DEFAULT,
    title="Bedrock provisioned throughput (a fixed hourly commitment) must be approved in config",
    checklist="ai.cost", severity="high",
    types=(T.BEDROCK_PROVISIONED_THROUGHPUT, T.BEDROCK_MODEL_AGREEMENT),
    config={"approved": {"type": "array", "items": {"type": "string"}, "default": [],
                         "description": "Logical names (or provisioned_model_name / model_id) approved to be "
                                        "created."}},
    remediation="Provisioned throughput bills every hour whether used or not (and commitments last 1-6 months): get "
                "it approved, then add the resource's name to this policy's 'approved' list in --policy-pack-config; "
                "use on-demand inference otherwise.",
)
def bedrock_provisioned_throughput_approved(r: Resource, report: Report) -> None:
    approved = set(r.config.get("approved") or ())
    # Only strings name a model; an input of another shape (an object, a list) must not crash the check.
    names = {n for n in (r.name, r.peek("provisionedModelName"), r.peek("modelId")) if isinstance(n, str)}
    if approved & names:
        return
    what = "provisioned throughput" if r.type == T.BEDROCK_PROVISIONED_THROUGHPUT else "a model offer agreement"
    units = r.peek("modelUnits")
    detail = f" ({units} model units, commitment {r.peek('commitmentDuration') or 'none'})" \
        if isinstance(units, (int, float)) else ""
    report(f"{short_type(r.type)} '{r.name}' creates {what}{detail} without recorded approval ({THROUGHPUT_DEFAULT}); "
           f"add '{r.name}' to approved in the policy pack config once approved, or use on-demand inference")


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
    cross_references=("Prowler:bedrock_model_invocation_logging_enabled",),
    # One setting per account and region (a second configuration overwrites the first), so it is the account
    # baseline's to make; application stacks that use Bedrock see it in the account-baseline summary.
    types=(T.BEDROCK_INVOCATION_LOGGING,), levels=PROD_ONLY, when=uses_bedrock, account=True,
    message="this production stack uses Bedrock but configures no model invocation logging "
            "(aws.bedrockmodel.InvocationLoggingConfiguration); AWS logs no prompts or responses until it is "
            "configured, so those of an attack or a cost spike cannot be investigated",
    remediation="Add aws.bedrockmodel.InvocationLoggingConfiguration(logging_config={'cloudwatch_config': "
                "{'log_group_name': ..., 'role_arn': ...}, 's3_config': {...}, 'text_data_delivery_enabled': True}) "
                "once per account and region (components.ModelInvocationLogging does; components.Environment adds it).",
)


LOGGING_DESTINATION_DEFAULT = ("Bedrock delivers invocation logs nowhere unless logging_config names a CloudWatch Logs "
                               "group (cloudwatch_config) or an S3 bucket (s3_config)")


@resource_policy(
    name="bedrock-invocation-logging-destination",
    aws_default=LOGGING_DESTINATION_DEFAULT,
    title="Bedrock model invocation logging must deliver text data to CloudWatch Logs or S3",
    checklist=("compliance.audit-logging", "observability.logging"), severity="medium",
    cross_references=("Prowler:bedrock_model_invocation_logging_text_data_enabled",),
    types=T.BEDROCK_INVOCATION_LOGGING,
    remediation="Set logging_config with cloudwatch_config (log_group_name, role_arn) and/or s3_config (bucket_name) "
                "on aws.bedrockmodel.InvocationLoggingConfiguration, and leave text_data_delivery_enabled at its "
                "default (True) (components.ModelInvocationLogging does).",
)
def bedrock_invocation_logging_destination(r: Resource, report: Report) -> None:
    config = r.peek("loggingConfig")
    if contains_unknown(config):
        unknown_during_preview("logging_config")
    config = config if isinstance(config, dict) else {}
    if not (config.get("cloudwatchConfig") or config.get("s3Config")):
        report(f"invocation logging '{r.name}' has no destination ({LOGGING_DESTINATION_DEFAULT}); set "
               f"cloudwatch_config or s3_config")
    elif config.get("textDataDeliveryEnabled") is False:
        # Left out, text_data_delivery_enabled defaults to true in pulumi-aws 7.x: only an explicit False loses text.
        report(f"invocation logging '{r.name}' does not deliver text (prompts and completions) "
               f"(text_data_delivery_enabled is False); remove it or set text_data_delivery_enabled=True")


# -- SageMaker ------------------------------------------------------------------------------------------------
sagemaker_notebook_kms = property_policy(
    name="sagemaker-notebook-kms",
    title="SageMaker notebook instances must encrypt their storage with a KMS key",
    checklist=("security.encryption", "ai.agents"), severity="medium",
    cross_references=("Checkov:CKV_AWS_22", "Prowler:sagemaker_notebook_instance_encryption_enabled"),
    types=T.SAGEMAKER_NOTEBOOK, path="kmsKeyId", expect=non_empty,
    message="notebook instance '{name}' stores data unencrypted by your key; set kms_key_id",
    remediation="Set kms_key_id=key.arn on aws.sagemaker.NotebookInstance.",
    aws_default=("SageMaker encrypts the notebook's storage volume with an AWS managed key, not a key you control, "
                 "unless kms_key_id is set"),
)

sagemaker_notebook_no_direct_internet = property_policy(
    name="sagemaker-notebook-no-direct-internet",
    title="SageMaker notebook instances must not have direct internet access",
    checklist=("security.api", "infra.separation"), severity="high",
    cross_references=("Prowler:sagemaker_notebook_instance_without_direct_internet_access_configured",),
    types=T.SAGEMAKER_NOTEBOOK, path="directInternetAccess", expect=lambda v: v == "Disabled", missing="Enabled",
    message="notebook instance '{name}' has direct internet access, so data can leave without passing "
            "your network controls; set direct_internet_access='Disabled' with subnet_id and security_groups",
    remediation="Set direct_internet_access='Disabled', subnet_id and security_groups on "
                "aws.sagemaker.NotebookInstance "
                "and reach the internet, if needed, through a NAT gateway or VPC endpoints.",
    aws_default=("SageMaker gives a notebook instance direct internet access (direct_internet_access defaults to "
                 "'Enabled')"),
)

sagemaker_notebook_root_disabled = property_policy(
    name="sagemaker-notebook-root-disabled",
    title="SageMaker notebook instances must not give users root access",
    checklist=("security.iam", "ai.agents"), severity="medium",
    types=T.SAGEMAKER_NOTEBOOK, path="rootAccess", expect=lambda v: v == "Disabled", missing="Enabled",
    message="notebook instance '{name}' gives its users root; set root_access='Disabled'",
    remediation="Set root_access='Disabled' on aws.sagemaker.NotebookInstance; install packages through a lifecycle "
                "configuration instead.",
    aws_default="SageMaker gives notebook users root access (root_access defaults to 'Enabled')",
)

sagemaker_endpoint_config_kms = property_policy(
    name="sagemaker-endpoint-config-kms",
    title="SageMaker endpoint configurations must encrypt with a KMS key",
    checklist="security.encryption", severity="medium",
    cross_references=("Checkov:CKV_AWS_98",),
    types=T.SAGEMAKER_ENDPOINT_CONFIG, path="kmsKeyArn", expect=non_empty,
    message="endpoint configuration '{name}' does not encrypt the endpoint's storage with your key; set kms_key_arn",
    remediation="Set kms_key_arn=key.arn on aws.sagemaker.EndpointConfiguration.",
    aws_default=("SageMaker encrypts the endpoint's storage volume with an AWS managed key, not a key you control, "
                 "unless kms_key_arn is set"),
)

sagemaker_model_network_isolation = property_policy(
    name="sagemaker-model-network-isolation",
    title="SageMaker models must run with network isolation",
    checklist=("security.api", "ai.prompt-injection"), severity="medium",
    cross_references=("Prowler:sagemaker_models_network_isolation_enabled",),
    types=T.SAGEMAKER_MODEL, path="enableNetworkIsolation", expect=is_true,
    message="model '{name}' can make outbound network calls from its container (data exfiltration if the model or "
            "its input is hostile); set enable_network_isolation=True",
    remediation="Set enable_network_isolation=True on aws.sagemaker.Model (the container then has no network access; "
                "model artifacts still load from S3).",
    aws_default="a model container may make outbound network calls unless enable_network_isolation is True",
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
    title="Production accounts must have a cost budget with notifications (in the account baseline stack)",
    checklist="ai.cost", severity="high",
    types=(T.BUDGET,), levels=PROD_ONLY, satisfied_by=_notifies, account=True,
    message="this account baseline stack has no aws.budgets.Budget with a notification, so a runaway model bill "
            "is discovered on the invoice; add a COST budget with ACTUAL and FORECASTED notifications",
    remediation="Add aws.budgets.Budget(budget_type='COST', limit_amount='500', limit_unit='USD', time_unit='MONTHLY', "
                "notifications=[{'comparison_operator': 'GREATER_THAN', 'threshold': 80, 'threshold_type': "
                "'PERCENTAGE', 'notification_type': 'FORECASTED', 'subscriber_email_addresses': [...]}]) "
                "(components.CostGuard does).",
)


BUDGET_NOTIFY_DEFAULT = "AWS Budgets tells nobody a budget is exceeded unless it has a notification with a subscriber"


@resource_policy(
    name="budget-has-notifications",
    aws_default=BUDGET_NOTIFY_DEFAULT,
    title="Budgets must notify someone",
    checklist=("ai.cost", "observability.alerting"), severity="medium",
    types=T.BUDGET,
    remediation="Add notifications=[{'comparison_operator': 'GREATER_THAN', 'threshold': 80, 'threshold_type': "
                "'PERCENTAGE', 'notification_type': 'FORECASTED', 'subscriber_sns_topic_arns': [topic.arn]}] "
                "to aws.budgets.Budget.",
)
def budget_has_notifications(r: Resource, report: Report) -> None:
    if contains_unknown(r.peek("notifications")):
        unknown_during_preview("notifications", "are")
    if not _notifies(r):
        report(f"budget '{r.name}' notifies nobody when it is exceeded ({BUDGET_NOTIFY_DEFAULT}); add notifications "
               f"with subscriber e-mail addresses or SNS topics")


@stack_policy(
    name="cost-anomaly-detection",
    title="Production accounts must watch for cost anomalies (a monitor with a subscription)",
    checklist=("ai.cost", "observability.alerting"), severity="low",
    types=(T.ANOMALY_MONITOR, T.ANOMALY_SUBSCRIPTION), levels=PROD_ONLY, account=True,
    remediation="Add aws.costexplorer.AnomalyMonitor(monitor_type='DIMENSIONAL', monitor_dimension='SERVICE') and an "
                "aws.costexplorer.AnomalySubscription(monitor_arn_lists=[monitor.arn], frequency='IMMEDIATE', "
                "subscribers=[...], threshold_expression=...) once per account (stacks/baseline does).",
)
def cost_anomaly_detection(stack: Stack, report: Report) -> None:
    if stack.environment != "prod" or not any(r.type.startswith("aws:") for r in stack.resources):
        return
    monitors = stack.of_type(T.ANOMALY_MONITOR)
    subscriptions = stack.of_type(T.ANOMALY_SUBSCRIPTION)
    if not monitors:
        report("this account baseline stack defines no aws.costexplorer.AnomalyMonitor, so an unusual spend (a "
               "looping agent, a leaked key) is noticed late; add a monitor with a subscription")
        return
    for monitor in monitors:
        if not any(links_to(s, "monitorArnLists", monitor, "arn", "name") for s in subscriptions):
            report(f"anomaly monitor '{monitor.name}' has no aws.costexplorer.AnomalySubscription, so anomalies it "
                   f"finds notify nobody", monitor.urn)


POLICIES = [
    bedrock_guardrail_prompt_attack,
    bedrock_guardrail_content_filters,
    bedrock_guardrail_denied_topics,
    bedrock_guardrail_contextual_grounding,
    bedrock_guardrail_sensitive_info,
    bedrock_guardrail_kms,
    bedrock_agent_guardrail,
    bedrock_agent_kms,
    bedrock_agent_role_not_shared,
    bedrock_action_group_human_approval,
    agent_role_no_destructive_actions,
    agent_role_permissions_boundary,
    bedrock_expensive_model_access,
    bedrock_iam_converse_not_an_action,
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


# -- issue 13: guardrails that only detect, models and instances behind approval, AgentCore ----------
from .. import stackconfig  # noqa: E402


def _detect_only(r) -> list:
    """Guardrail filters that are on for input but only detect (input_action NONE) instead of blocking."""
    found = []
    for f in _filters(r):
        if f.get("inputEnabled", True) is not False and f.get("inputAction") == "NONE" \
                and f.get("inputStrength", "NONE") != "NONE":
            found.append(f"content filter {f.get('type')}")
    for t in as_list(r.peek("topicPolicyConfig.topicsConfigs")):
        if isinstance(t, dict) and t.get("inputEnabled", True) is not False and t.get("inputAction") == "NONE":
            found.append(f"denied topic {t.get('name')}")
    for key in ("wordPolicyConfig.wordsConfigs", "wordPolicyConfig.managedWordListsConfigs"):
        for w in as_list(r.peek(key)):
            if isinstance(w, dict) and w.get("inputEnabled", True) is not False and w.get("inputAction") == "NONE":
                found.append("word filter")
    return found


@resource_policy(
    name="bedrock-guardrail-blocks",
    title="Bedrock guardrail filters must block, not only detect (input_action NONE)",
    checklist=("ai.prompt-injection", "ai.agents"), severity="high",
    types=T.BEDROCK_GUARDRAIL,
    remediation="Remove input_action='NONE' (the default is BLOCK) from the content filters, denied topics and word "
                "filters of aws.bedrock.Guardrail; detect mode only records what it would have blocked.",
)
def bedrock_guardrail_blocks(r: Resource, report: Report) -> None:
    if contains_unknown(r.peek("contentPolicyConfig")) or contains_unknown(r.peek("topicPolicyConfig")):
        unknown_during_preview("the guardrail's policies", "are")
    found = _detect_only(r)
    if found:
        report(f"guardrail '{r.name}' only detects with {', '.join(sorted(set(found))[:4])} (input_action NONE): "
               f"prompt attacks are logged and passed to the model; set input_action='BLOCK'")


@resource_policy(
    name="bedrock-agent-model-approved",
    title="Bedrock agents must not run on expensive foundation models without a recorded approval",
    checklist=("ai.cost", "ai.agents"), severity="high",
    types=(T.BEDROCK_AGENT,),
    config={
        "expensiveModels": {"type": "array", "items": {"type": "string"}, "default": list(EXPENSIVE_MODELS),
                            "description": "Globs over model ids / ARNs that count as expensive."},
        "allowedModels": {"type": "array", "items": {"type": "string"}, "default": [],
                          "description": "Model ids or ARNs (globs) approved despite matching expensiveModels."}},
    remediation="Run the agent on a cheaper model (e.g. anthropic.claude-3-5-haiku-*) in foundation_model of "
                "aws.bedrock.AgentAgent, or record the approval by adding the model to allowedModels in "
                "--policy-pack-config; an agent loops over the model many times per request.",
)
def bedrock_agent_model_approved(r: Resource, report: Report) -> None:
    model = r.peek("foundationModel")
    if is_unknown(model):
        unknown_during_preview("foundation_model")
    if not isinstance(model, str):
        return
    patterns = r.config.get("expensiveModels") or EXPENSIVE_MODELS
    allowed = r.config.get("allowedModels") or ()
    if glob_any(model, patterns) and not glob_any(model, allowed):
        report(f"agent '{r.name}' runs on {model}, an expensive model, without a recorded approval; use a cheaper "
               f"model or add it to allowedModels in the policy pack config")


LARGE_INSTANCES = ("ml.p*", "ml.trn*", "ml.inf2.24xlarge", "ml.inf2.48xlarge", "ml.g*.12xlarge", "ml.g*.16xlarge",
                   "ml.g*.24xlarge", "ml.g*.48xlarge")


@resource_policy(
    name="sagemaker-endpoint-instance-approved",
    title="SageMaker endpoints on large GPU/accelerator instances need a recorded approval",
    checklist="ai.cost", severity="high",
    types=(T.SAGEMAKER_ENDPOINT_CONFIG,),
    config={
        "expensiveInstances": {"type": "array", "items": {"type": "string"}, "default": list(LARGE_INSTANCES),
                               "description": "Globs over instance types that bill enough to need an approval."},
        "approved": {"type": "array", "items": {"type": "string"}, "default": [],
                     "description": "Endpoint configuration names (logical or name input) approved to use them."}},
    remediation="Serve the model on a smaller instance (ml.g5.xlarge, serverless inference, or Bedrock on demand), or "
                "record the approval by adding the endpoint configuration's name to 'approved' in "
                "--policy-pack-config; a large GPU endpoint bills every hour it exists.",
)
def sagemaker_endpoint_instance_approved(r: Resource, report: Report) -> None:
    approved = set(r.config.get("approved") or ())
    if approved & {n for n in (r.name, r.peek("name")) if isinstance(n, str)}:
        return
    patterns = r.config.get("expensiveInstances") or LARGE_INSTANCES
    big = []
    for v in as_list(r.peek("productionVariants")) + as_list(r.peek("shadowProductionVariants")):
        kind = v.get("instanceType") if isinstance(v, dict) else None
        if isinstance(kind, str) and not is_unknown(kind) and glob_any(kind, patterns):
            big.append(f"{kind} x{v.get('initialInstanceCount') or 1}")
    if big:
        report(f"endpoint configuration '{r.name}' runs {', '.join(big)} without a recorded approval; use a smaller "
               f"instance or add '{r.name}' to approved in the policy pack config")


RUNTIME_NETWORK_DEFAULT = ("pulumi-aws requires network_configuration.network_mode (PUBLIC, VPC, or SANDBOX for code "
                           "interpreters) and has no default; PUBLIC runs the agent outside your VPC")


@resource_policy(
    name="agentcore-runtime-vpc",
    aws_default=RUNTIME_NETWORK_DEFAULT,
    title="Bedrock AgentCore runtimes must run in your VPC, not in PUBLIC network mode",
    checklist=("ai.agents", "infra.separation", "security.api"), severity="high",
    types=(T.AGENTCORE_RUNTIME, T.AGENTCORE_CODE_INTERPRETER, T.AGENTCORE_BROWSER),
    remediation="Set network_configuration={'network_mode': 'VPC', 'network_mode_config': "
                "{'subnets': private_subnet_ids, "
                "'security_groups': [sg.id]}} on aws.bedrock.AgentcoreAgentRuntime (and code interpreters / "
                "browsers), so the agent's outbound traffic passes your network controls.",
)
def agentcore_runtime_vpc(r: Resource, report: Report) -> None:
    mode = r.peek("networkConfiguration.networkMode")
    if is_unknown(mode):
        unknown_during_preview("network_mode")
    if mode in (None, "PUBLIC"):
        report(f"{short_type(r.type)} '{r.name}' runs in PUBLIC network mode: the agent reaches (and is reachable "
               f"from) the internet outside your VPC controls "
               f"{why_text(r, 'networkConfiguration.networkMode', RUNTIME_NETWORK_DEFAULT)}; set "
               f"network_mode='VPC' with private subnets")


GATEWAY_AUTH_DEFAULT = ("pulumi-aws requires authorizer_type (CUSTOM_JWT, AWS_IAM, AUTHENTICATE_ONLY or NONE) and has "
                        "no default; with NONE the gateway accepts calls from anyone")


@resource_policy(
    name="agentcore-gateway-authorization",
    aws_default=GATEWAY_AUTH_DEFAULT,
    title="Bedrock AgentCore gateways must authorize inbound calls (no authorizer_type NONE)",
    checklist=("ai.agents", "security.api"), severity="critical",
    types=(T.AGENTCORE_GATEWAY,),
    remediation="Set authorizer_type='CUSTOM_JWT' (with authorizer_configuration: discovery_url, allowed_audience / "
                "allowed_clients) or 'AWS_IAM' on aws.bedrock.AgentcoreGateway; with NONE anyone can call the tools "
                "behind it.",
)
def agentcore_gateway_authorization(r: Resource, report: Report) -> None:
    kind = r.peek("authorizerType")
    if is_unknown(kind):
        unknown_during_preview("authorizer_type")
    if kind in (None, "", "NONE"):
        report(f"AgentCore gateway '{r.name}' accepts calls from anyone, and every tool behind it with them "
               f"{why_text(r, 'authorizerType', GATEWAY_AUTH_DEFAULT)}; set authorizer_type='CUSTOM_JWT' or 'AWS_IAM'")


def _client_secrets(value, path="oauth2ProviderConfig"):
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(k, str) and k.lower() == "clientsecret":
                yield f"{path}.{k}", v
            else:
                yield from _client_secrets(v, f"{path}.{k}")
    elif isinstance(value, list):
        for v in value:
            yield from _client_secrets(v, path)


@resource_policy(
    name="agentcore-credential-not-literal",
    title="AgentCore credential providers must not take API keys or client secrets from literals or plain config",
    checklist=("security.secrets", "ai.agents"), severity="critical",
    types=(T.AGENTCORE_API_KEY_PROVIDER, T.AGENTCORE_OAUTH2_PROVIDER),
    remediation="Use api_key_secret_config (an existing Secrets Manager secret) or api_key_wo with "
                "config.require_secret(...) on aws.bedrock.AgentcoreApiKeyCredentialProvider; pass OAuth2 client "
                "secrets from config.require_secret (pulumi config set --secret), never a literal.",
)
def agentcore_credential_not_literal(r: Resource, report: Report) -> None:
    if r.type == T.AGENTCORE_API_KEY_PROVIDER:
        values = [("api_key", r.peek("apiKey"))]
    else:
        values = list(_client_secrets(r.peek("oauth2ProviderConfig")))
    for field, value in values:
        origin = stackconfig.literal_origin(value)
        if origin:
            report(f"{short_type(r.type)} '{r.name}' takes its {field} from {origin}; use a Secrets Manager secret or "
                   f"config.require_secret")
            return


POLICIES += [bedrock_guardrail_blocks, bedrock_agent_model_approved, sagemaker_endpoint_instance_approved,
             agentcore_runtime_vpc, agentcore_gateway_authorization, agentcore_credential_not_literal]
