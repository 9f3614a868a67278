"""Secrets management: no credentials in plain inputs (Lambda and ECS environments, user data, SSM String
parameters, tags, API Gateway stage variables), and Secrets Manager / SecureString done properly.

Every detector uses the one shared module `secretscan` (provider key formats plus secret-looking
names with literal values). Messages name where a secret was found, never its value.
"""
from __future__ import annotations

import re

from .. import secretscan
from .. import tokens as T
from ..helpers import as_list, at_least, companion_policy, property_policy, short_type
from ..model import Report, resource_policy, stack_policy
from ..resource import Resource, Stack, is_unknown
from ..model import unknown_during_preview

_USE_SECRETS_MANAGER = ("keep the value in AWS Secrets Manager (components.Secret) or an SSM SecureString "
                        "and pass only its ARN or name")


@resource_policy(
    name="lambda-env-no-secrets",
    title="Lambda environment variables must not hold credentials",
    checklist="security.secrets", severity="critical",
    cross_references=("Checkov:CKV_AWS_45", "Prowler:awslambda_function_no_secrets_in_variables"),
    types=(T.LAMBDA_FUNCTION,),
    remediation="Store the credential in aws.secretsmanager.Secret, pass its ARN in an environment variable, grant "
                "secretsmanager:GetSecretValue on it and read it at start-up (or use the Parameters and Secrets "
                "Lambda extension).",
)
def lambda_env_no_secrets(r: Resource, report: Report) -> None:
    findings = secretscan.scan_mapping(r.peek("environment.variables"), "variable")
    if not findings:
        return
    marked = [f for f in findings if r.is_secret(("environment", "variables", f.key))
              or r.is_secret(("environment",)) or r.is_secret(("environment", "variables"))]
    note = (" Marking it as a Pulumi secret only hides it in the state: Lambda still stores it in plain text "
            "in the function configuration, readable with lambda:GetFunctionConfiguration.") if marked else ""
    report(f"function '{r.name}' has {secretscan.describe(findings)}; {_USE_SECRETS_MANAGER}.{note}")


@resource_policy(
    name="ecs-task-env-no-secrets",
    title="ECS container environment variables, commands and entry points must not hold credentials",
    checklist="security.secrets", severity="critical",
    cross_references=("Prowler:ecs_task_definitions_no_environment_secrets",),
    types=(T.ECS_TASK_DEFINITION,),
    remediation="Move the value to Secrets Manager or an SSM SecureString and reference it from the container "
                "definition's \"secrets\": [{\"name\": ..., \"valueFrom\": secret_arn}] instead of \"environment\".",
)
def ecs_task_env_no_secrets(r: Resource, report: Report) -> None:
    raw = r.peek("containerDefinitions")
    if is_unknown(raw):
        unknown_during_preview("container definitions", "are")
    containers = secretscan.json_value(raw)
    findings = []
    for container in as_list(containers):
        if isinstance(container, dict):
            findings += [secretscan.Finding(f"container '{container.get('name', '?')}' {f.where}", f.what)
                         for f in secretscan.scan_name_value_pairs(as_list(container.get("environment")))]
            for argv in ("command", "entryPoint"):
                words = [w for w in as_list(container.get(argv)) if isinstance(w, str) and not is_unknown(w)]
                findings += [secretscan.Finding(f"container '{container.get('name', '?')}' {argv} {f.where}", f.what)
                             for f in secretscan.scan_text(" ".join(words))]
    if findings:
        report(f"task definition '{r.name}' has {secretscan.describe(findings)}; move it to \"secrets\" with "
               f"valueFrom a Secrets Manager or SSM SecureString ARN")


@resource_policy(
    name="ec2-user-data-no-secrets",
    title="EC2 and launch template user data must not hold credentials",
    checklist="security.secrets", severity="critical",
    cross_references=("Checkov:CKV_AWS_46", "Prowler:ec2_instance_secrets_user_data",
                      "Prowler:ec2_launch_template_no_secrets"),
    types=(T.EC2_INSTANCE, T.EC2_LAUNCH_TEMPLATE),
    remediation="Have the boot script fetch the credential at start-up (aws secretsmanager get-secret-value / aws "
                "ssm get-parameter --with-decryption) with the instance role; user data is readable by anyone "
                "with ec2:DescribeInstanceAttribute.",
)
def ec2_user_data_no_secrets(r: Resource, report: Report) -> None:
    findings = []
    for field in ("userData", "userDataBase64"):
        text = secretscan.decode_user_data(r.peek(field))
        if text:
            findings += secretscan.scan_text(text)
    if findings:
        report(f"{short_type(r.type)} '{r.name}' user data contains {secretscan.describe(findings)}; fetch the "
               f"credential at boot from Secrets Manager or SSM with the instance role")


@resource_policy(
    name="ssm-parameter-secrets-secure-string",
    title="SSM parameters holding credentials must be SecureString",
    checklist="security.secrets", severity="high",
    cross_references=("Checkov:CKV2_AWS_34",),
    types=(T.SSM_PARAMETER,),
    remediation="Set type='SecureString' (with key_id=key.arn) on aws.ssm.Parameter; a String parameter is "
                "readable in plain text by anyone with ssm:GetParameter.",
)
def ssm_parameter_secrets_secure_string(r: Resource, report: Report) -> None:
    kind = r.peek("type")
    if is_unknown(kind):
        unknown_during_preview("the parameter type")
    if kind == "SecureString":
        return
    name = r.peek("name")
    name = name if isinstance(name, str) and not is_unknown(name) else r.name
    value = r.peek("value")
    if value is None:
        value = r.peek("insecureValue")
    key = secretscan.provider_key(value) if isinstance(value, str) and not is_unknown(value) else None
    leaf = name.rstrip("/").rsplit("/", 1)[-1]
    if key or secretscan.secret_looking_name(leaf):
        why = f"its value is {key}" if key else f"its name '{name}' says it holds a secret"
        report(f"SSM parameter '{r.name}' is a plain {kind} but {why}; set type='SecureString' with key_id "
               f"(SSM stores String values unencrypted)")


@resource_policy(
    name="tags-no-secrets",
    title="Resource tags must not hold credentials",
    checklist="security.secrets", severity="high",
    types=("*",),
    remediation="Remove the credential from tags (they are readable by anyone with tag:GetResources and copied "
                "into billing reports); tag with the secret's name or ARN if a link is needed.",
)
def tags_no_secrets(r: Resource, report: Report) -> None:
    findings = secretscan.scan_mapping(r.peek("tags"), "tag", strict_values=True)
    if findings:
        report(f"{short_type(r.type)} '{r.name}' has {secretscan.describe(findings)}; remove it from the tags")


@resource_policy(
    name="apigateway-stage-variables-no-secrets",
    title="API Gateway stage variables must not hold credentials",
    checklist=("security.secrets", "security.api"), severity="high",
    cross_references=("Prowler:apigateway_restapi_no_secrets_in_stage_variables",),
    types=(T.APIGATEWAY_STAGE,),
    remediation="Remove the credential from variables on aws.apigateway.Stage; let the integration (Lambda, a "
                "VPC link service) read it from Secrets Manager.",
)
def apigateway_stage_variables_no_secrets(r: Resource, report: Report) -> None:
    findings = secretscan.scan_mapping(r.peek("variables"), "stage variable")
    if findings:
        report(f"stage '{r.name}' has {secretscan.describe(findings)}; {_USE_SECRETS_MANAGER}")


# -- Secrets Manager and SecureString ---------------------------------------------------------------
secretsmanager_secret_kms_cmk = property_policy(
    name="secretsmanager-secret-kms-cmk",
    title="Secrets Manager secrets must be encrypted with a customer managed KMS key",
    checklist=("security.secrets", "security.encryption"), severity="medium",
    cross_references=("Checkov:CKV_AWS_149",),
    types=T.SECRET, path="kmsKeyId", expect=lambda v: isinstance(v, str) and v not in ("", "alias/aws/secretsmanager"),
    message="secret '{name}' is not encrypted with a customer managed key; set kms_key_id to one "
            "(components.Secret does)",
    remediation="Set kms_key_id=key.arn on aws.secretsmanager.Secret, so the key policy decides who can decrypt it "
                "and each use is audited.",
    aws_default=("Secrets Manager encrypts a secret with the AWS managed key aws/secretsmanager, whose key policy "
                 "you cannot change"),
)


def _judge_rotation(secret, rotations):
    if not rotations:
        return (f"secret '{secret.name}' is never rotated; add aws.secretsmanager.SecretRotation(secret_id="
                f"secret.id, rotation_lambda_arn=..., rotation_rules={{'automatically_after_days': 30}}) "
                f"(components.Secret does)")
    return None


secretsmanager_secret_rotation = companion_policy(
    name="secretsmanager-secret-rotation",
    title="Secrets Manager secrets must have automatic rotation",
    checklist="security.secrets", severity="medium",
    cross_references=("Checkov:CKV2_AWS_57", "Prowler:secretsmanager_automatic_rotation_enabled"),
    subjects=(T.SECRET,), companions=(T.SECRET_ROTATION,), link="secretId", judge=_judge_rotation,
    remediation="Add aws.secretsmanager.SecretRotation(secret_id=secret.id, rotation_lambda_arn=fn.arn, "
                "rotation_rules={'automatically_after_days': 30}); for RDS master passwords use "
                "manage_master_user_password=True, which rotates by itself.",
)


# RotationRulesType: AutomaticallyAfterDays and ScheduleExpression are both optional, one of them sets the schedule.
ROTATION_RULES_DEFAULT = ("the provider requires rotation_rules, and Secrets Manager has no schedule to rotate on "
                          "without automatically_after_days or schedule_expression")
_RATE = re.compile(r"^\s*rate\(\s*(\d+)\s+(days?|hours?)\s*\)\s*$", re.I)


@resource_policy(
    name="secretsmanager-rotation-interval",
    aws_default=ROTATION_RULES_DEFAULT,
    title="Secrets Manager rotation must run at least every 90 days",
    checklist="security.secrets", severity="medium",
    cross_references=("Checkov:CKV_AWS_304", "Prowler:secretsmanager_secret_rotated_periodically"),
    types=(T.SECRET_ROTATION,),
    config={"maximumDays": {"type": "integer", "minimum": 1, "maximum": 365, "default": 90,
                            "description": "The longest allowed interval between rotations (days)."}},
    remediation="Set rotation_rules={'automatically_after_days': 30} (or a schedule_expression such as "
                "'rate(30 days)') on aws.secretsmanager.SecretRotation.",
)
def secretsmanager_rotation_interval(r: Resource, report: Report) -> None:
    days = r.peek("rotationRules.automaticallyAfterDays")
    schedule = r.peek("rotationRules.scheduleExpression")
    if is_unknown(days) or is_unknown(schedule):
        unknown_during_preview("the rotation rules", "are")
    maximum = int(r.config.get("maximumDays", 90))
    fix = (f"set rotation_rules automatically_after_days to {maximum} or less (or schedule_expression "
           f"'rate({maximum} days)')")
    if days is None:
        if schedule in (None, ""):
            report(f"rotation '{r.name}' has no rotation interval (rotation_rules.automatically_after_days not set: "
                   f"{ROTATION_RULES_DEFAULT}); {fix}")
            return
        rate = _RATE.match(schedule) if isinstance(schedule, str) else None
        if rate is None:
            return  # a cron (or other) schedule expression is accepted as the team's explicit choice
        count, unit = int(rate.group(1)), rate.group(2).lower()
        if (count if unit.startswith("day") else count / 24) > maximum:
            report(f"rotation '{r.name}' rotates less often than every {maximum} days (rotation_rules."
                   f"schedule_expression is {schedule!r}); {fix}")
        return
    if isinstance(days, bool) or not isinstance(days, (int, float)) or days > maximum:
        report(f"rotation '{r.name}' rotates less often than every {maximum} days (rotation_rules."
               f"automatically_after_days is {days!r}); {fix}")


secretsmanager_recovery_window = property_policy(
    name="secretsmanager-recovery-window",
    title="Secrets Manager secrets must keep a recovery window of at least 7 days",
    checklist=("security.secrets", "infra.backups"), severity="medium",
    types=T.SECRET, path="recoveryWindowInDays", expect=at_least(7), missing=30,
    message="secret '{name}' sets recovery_window_in_days below 7 (0 deletes it at once, with no way back); "
            "remove it (default 30)",
    remediation="Remove recovery_window_in_days (AWS keeps a deleted secret restorable for 30 days) or set 7-30; "
                "never 0 outside throw-away stacks.",
)


@resource_policy(
    name="ssm-securestring-kms-cmk",
    title="SSM SecureString parameters must be encrypted with a customer managed KMS key",
    checklist=("security.secrets", "security.encryption"), severity="low",
    cross_references=("Checkov:CKV_AWS_337",),
    types=(T.SSM_PARAMETER,),
    remediation="Set key_id=key.arn on aws.ssm.Parameter(type='SecureString') instead of the default "
                "alias/aws/ssm key.",
)
def ssm_securestring_kms_cmk(r: Resource, report: Report) -> None:
    kind, key = r.peek("type"), r.peek("keyId")
    if is_unknown(kind) or is_unknown(key):
        unknown_during_preview("the parameter type or key")
    if kind == "SecureString" and (not key or key == "alias/aws/ssm"):
        report(f"SecureString parameter '{r.name}' uses the AWS managed key alias/aws/ssm; set key_id to a "
               f"customer managed key")


POLICIES = [
    lambda_env_no_secrets,
    ecs_task_env_no_secrets,
    ec2_user_data_no_secrets,
    ssm_parameter_secrets_secure_string,
    tags_no_secrets,
    apigateway_stage_variables_no_secrets,
    secretsmanager_secret_kms_cmk,
    secretsmanager_secret_rotation,
    secretsmanager_rotation_interval,
    secretsmanager_recovery_window,
    ssm_securestring_kms_cmk,
]


# -- issue 13: every other field that carries environment or free text; passwords; config -------------
from .. import stackconfig  # noqa: E402

# type token -> the inputs whose nested values may carry an environment, arguments or properties
_WORKLOAD_FIELDS = {
    T.SAGEMAKER_MODEL: ("primaryContainer", "containers"),
    T.BATCH_JOB_DEFINITION: ("containerProperties", "ecsProperties", "eksProperties", "nodeProperties"),
    T.APPRUNNER_SERVICE: ("sourceConfiguration",),
    T.AGENTCORE_RUNTIME: ("environmentVariables",),
    T.GLUE_CONNECTION: ("connectionProperties",),
}


@resource_policy(
    name="workload-env-no-secrets",
    title="SageMaker, Batch, App Runner, AgentCore and Glue settings must not hold credentials in plain text",
    checklist="security.secrets", severity="critical",
    types=tuple(_WORKLOAD_FIELDS),
    remediation="Keep the credential in aws.secretsmanager.Secret and reference it: App Runner "
                "runtime_environment_secrets, Batch/ECS 'secrets' with valueFrom, Glue connection_properties "
                "{'SECRET_ID': secret.name}, SageMaker/AgentCore code reading the secret at start-up with its role.",
)
def workload_env_no_secrets(r: Resource, report: Report) -> None:
    findings = []
    for field in _WORKLOAD_FIELDS[r.type]:
        value = r.peek(field)
        if value is not None and not is_unknown(value):
            findings += secretscan.scan_tree(value, field)
    if findings:
        report(f"{short_type(r.type)} '{r.name}' has {secretscan.describe(findings)} in plain text (readable by anyone "
               f"who can describe the resource); {_USE_SECRETS_MANAGER}")


# type token -> the password inputs (write-only *Wo inputs never reach the state and are not judged here)
_PASSWORD_FIELDS = {
    T.RDS_INSTANCE: ("password",),
    T.RDS_CLUSTER: ("masterPassword",),
    T.REDSHIFT_CLUSTER: ("masterPassword",),
    T.DOCDB_CLUSTER: ("masterPassword",),
    T.DOCDB_ELASTIC_CLUSTER: ("adminUserPassword",),
    T.NEPTUNE_CLUSTER: (),
    T.REDSHIFT_SERVERLESS_NAMESPACE: ("adminUserPassword",),
    T.ELASTICACHE_REPLICATION_GROUP: ("authToken",),
}


_literal_origin = stackconfig.literal_origin


@resource_policy(
    name="database-password-not-plain",
    title="Database master passwords and auth tokens must come from a secret, not a literal or plain config",
    checklist="security.secrets", severity="critical",
    cross_references=("Checkov:CKV_AWS_96",),
    types=tuple(k for k, v in _PASSWORD_FIELDS.items() if v) + (T.MQ_BROKER,),
    remediation="Let the service manage the password (manage_master_user_password=True on RDS/Aurora, "
                "manage_master_password=True on Redshift, manage_admin_password=True on Redshift Serverless), or pass "
                "config.require_secret('dbPassword') set with `pulumi config set --secret`, or a random.RandomPassword "
                "result; never a literal or a plain config value.",
)
def database_password_not_plain(r: Resource, report: Report) -> None:
    if r.type == T.MQ_BROKER:
        values = [("users[].password", u.get("password")) for u in as_list(r.peek("users")) if isinstance(u, dict)]
    else:
        values = [(f, r.peek(f)) for f in _PASSWORD_FIELDS[r.type]]
    for field, value in values:
        origin = _literal_origin(value)
        if origin:
            report(f"{short_type(r.type)} '{r.name}' takes its {field} from {origin}: anyone who reads the code or "
                   f"the stack file has the database; use config.require_secret (pulumi config set --secret) or let "
                   f"the service manage the password")
            return


@resource_policy(
    name="secret-version-no-literal",
    title="Secrets Manager secret values must not be literals in the program or plain config",
    checklist="security.secrets", severity="critical",
    types=(T.SECRET_VERSION,),
    remediation="Generate the value (random.RandomPassword, or manage_master_user_password on the database), pass "
                "config.require_secret(...) set with `pulumi config set --secret`, or create the secret empty and set "
                "its value outside the program; a literal is in the code and its history for good.",
)
def secret_version_no_literal(r: Resource, report: Report) -> None:
    value = r.peek("secretString")
    if value is None or is_unknown(value):
        return
    parsed = secretscan.json_value(value) if value.lstrip()[:1] == "{" else None
    if isinstance(parsed, dict):
        bad = [k for k, v in parsed.items() if isinstance(v, str)
               and (secretscan.scan_value(str(k), v) or secretscan.provider_key(v)) and _literal_origin(v)]
        if bad:
            report(f"secret version '{r.name}' stores {', '.join(map(repr, bad[:3]))} as "
                   f"{_literal_origin(parsed[bad[0]])}; "
                   f"generate it or pass config.require_secret(...)")
        return
    origin = _literal_origin(value)
    if origin:
        report(f"secret version '{r.name}' stores {origin} as the secret value; generate it or pass "
               f"config.require_secret(...)")


def _config_findings():
    for key, value in sorted(stackconfig.plain_values().items()):
        if not isinstance(value, str):
            continue
        leaf = key.split(":", 1)[-1]
        found = secretscan.provider_key(value)
        if not found and secretscan.secret_looking_name(leaf) and secretscan.credential_like(value):
            found = "a literal value under a secret-looking name"
        if not found and value.lstrip()[:1] in "[{":
            deep = secretscan.scan_tree(secretscan.json_value(value), "")
            found = deep[0].what if deep else None
        if found:
            yield key, found


@stack_policy(
    name="stack-config-no-plaintext-secrets",
    title="The stack's config file must not hold credentials in plain text (use `pulumi config set --secret`)",
    checklist="security.secrets", severity="critical",
    types=(),
    remediation="Remove the value from Pulumi.<stack>.yaml and set it again with `pulumi config set --secret KEY` "
                "(stored encrypted as `secure:`), read it with config.require_secret; rotate the credential, it is "
                "in the repository's history.",
)
def stack_config_no_plaintext_secrets(stack: Stack, report: Report) -> None:
    for key, what in _config_findings():
        report(f"stack config '{key}' holds {what} in plain text in Pulumi.<stack>.yaml; rotate it and set it with "
               f"`pulumi config set --secret {key.split(':', 1)[-1]}`")


POLICIES += [
    workload_env_no_secrets,
    database_password_not_plain,
    secret_version_no_literal,
    stack_config_no_plaintext_secrets,
]
