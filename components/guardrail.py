"""Guardrail: a Bedrock guardrail with a published version, for every model call of an LLM feature.

The prompt-attack filter runs at HIGH on input and blocks; content filters (hate, insults, sexual,
violence, misconduct) block at HIGH on input and output; personal data is masked in answers and
credentials are blocked both ways; the caller's denied topics are refused; retrieval-augmented apps
add contextual grounding and relevance checks. The guardrail is encrypted with the caller's KMS key
and published as an immutable version (the handler calls that version, never DRAFT).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping, Optional, Sequence

import pulumi
import pulumi_aws as aws

from ._base import child, merge_tags, require, token

CONTENT_FILTERS = ("HATE", "INSULTS", "SEXUAL", "VIOLENCE", "MISCONDUCT")
STRENGTHS = ("NONE", "LOW", "MEDIUM", "HIGH")
# PII masked in what the model says (the prompt may carry the user's own e-mail: they asked about it).
MASKED_PII = ("EMAIL", "PHONE", "NAME", "ADDRESS", "US_SOCIAL_SECURITY_NUMBER", "UK_NATIONAL_INSURANCE_NUMBER",
              "CREDIT_DEBIT_CARD_NUMBER", "INTERNATIONAL_BANK_ACCOUNT_NUMBER", "IP_ADDRESS")
# Credentials are never accepted nor returned.
BLOCKED_PII = ("AWS_ACCESS_KEY", "AWS_SECRET_KEY", "PASSWORD")
# GuardrailPiiEntityType in the Bedrock API (botocore's service model).
PII_TYPES = frozenset((
    "ADDRESS", "AGE", "AWS_ACCESS_KEY", "AWS_SECRET_KEY", "CA_HEALTH_NUMBER", "CA_SOCIAL_INSURANCE_NUMBER",
    "CREDIT_DEBIT_CARD_CVV", "CREDIT_DEBIT_CARD_EXPIRY", "CREDIT_DEBIT_CARD_NUMBER", "DRIVER_ID", "EMAIL",
    "INTERNATIONAL_BANK_ACCOUNT_NUMBER", "IP_ADDRESS", "LICENSE_PLATE", "MAC_ADDRESS", "NAME", "PASSWORD", "PHONE",
    "PIN", "SWIFT_CODE", "UK_NATIONAL_HEALTH_SERVICE_NUMBER", "UK_NATIONAL_INSURANCE_NUMBER",
    "UK_UNIQUE_TAXPAYER_REFERENCE_NUMBER", "URL", "USERNAME", "US_BANK_ACCOUNT_NUMBER", "US_BANK_ROUTING_NUMBER",
    "US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER", "US_PASSPORT_NUMBER", "US_SOCIAL_SECURITY_NUMBER",
    "VEHICLE_IDENTIFICATION_NUMBER"))
_TOPIC_NAME = re.compile(r"^[0-9a-zA-Z\-_ !?.]{1,100}$")


@dataclass
class DeniedTopic:
    """A subject the feature must refuse (e.g. investment advice), in the caller's own words."""
    name: str
    definition: str
    """What the topic covers, up to 200 characters (Bedrock's limit)."""
    examples: Sequence[str] = ()
    """Up to 5 example prompts of the topic, each up to 100 characters."""

    def __post_init__(self) -> None:
        require(isinstance(self.name, str) and bool(_TOPIC_NAME.match(self.name)),
                f"DeniedTopic.name {self.name!r} must be 1-100 letters, digits, spaces or -_!?.")
        require(isinstance(self.definition, str) and 0 < len(self.definition.strip()) <= 200,
                f"DeniedTopic.definition of {self.name!r} must be 1-200 characters saying what the topic covers")
        require(len(self.examples) <= 5, f"DeniedTopic.examples of {self.name!r} has more than 5 examples")
        for example in self.examples:
            require(isinstance(example, str) and 0 < len(example) <= 100,
                    f"DeniedTopic.examples of {self.name!r}: each example must be 1-100 characters")


@dataclass
class GuardrailArgs:
    kms_key_arn: pulumi.Input[str]
    """Key that encrypts the guardrail (its denied topics reveal what you protect against)."""
    denied_topics: Sequence[DeniedTopic] = ()
    """Subjects the feature must refuse; empty is allowed only with no_denied_topics_reason."""
    no_denied_topics_reason: Optional[str] = None
    """Why this feature has no subject to refuse (a general assistant); required when denied_topics is empty."""
    content_filter_strength: str = "HIGH"
    """Strength of the hate/insults/sexual/violence/misconduct filters on input and output."""
    grounding_threshold: Optional[float] = None
    """For retrieval-augmented apps: block answers whose grounding in the retrieved sources scores below this
    (0-0.99; e.g. 0.75). None when the feature passes no grounding source."""
    relevance_threshold: Optional[float] = None
    """For retrieval-augmented apps: block answers whose relevance to the question scores below this."""
    blocked_input_message: str = "Sorry, I can't help with that request."
    blocked_output_message: str = "Sorry, I can't share that answer."
    masked_pii: Sequence[str] = MASKED_PII
    blocked_pii: Sequence[str] = BLOCKED_PII
    name: Optional[str] = None
    """Guardrail name (default: the component name)."""
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        require(self.kms_key_arn is not None and self.kms_key_arn != "",
                "GuardrailArgs.kms_key_arn is required: pass a KmsKey's arn (the guardrail's topics and words are "
                "confidential)")
        require(bool(self.denied_topics) or bool((self.no_denied_topics_reason or "").strip()),
                "GuardrailArgs.denied_topics is empty; list the subjects this feature must refuse "
                "(DeniedTopic(name=..., definition=...)) or say why there are none in no_denied_topics_reason")
        names = [t.name.lower() for t in self.denied_topics]
        require(len(set(names)) == len(names), "GuardrailArgs.denied_topics has two topics with the same name")
        require(len(self.denied_topics) <= 30, "GuardrailArgs.denied_topics: Bedrock allows at most 30 topics")
        require(self.content_filter_strength in ("MEDIUM", "HIGH"),
                f"GuardrailArgs.content_filter_strength {self.content_filter_strength!r} must be 'HIGH' (default) or "
                f"'MEDIUM'; lower strengths let harmful content through")
        for what, value in (("grounding_threshold", self.grounding_threshold),
                            ("relevance_threshold", self.relevance_threshold)):
            if value is not None:
                require(isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < 1,
                        f"GuardrailArgs.{what} must be between 0 and 0.99 (got {value!r})")
        for what, value in (("blocked_input_message", self.blocked_input_message),
                            ("blocked_output_message", self.blocked_output_message)):
            require(isinstance(value, str) and 0 < len(value) <= 500, f"GuardrailArgs.{what} must be 1-500 characters")
        unknown = sorted(set(self.masked_pii) - PII_TYPES) + sorted(set(self.blocked_pii) - PII_TYPES)
        require(not unknown, f"GuardrailArgs: {unknown} are not Bedrock PII entity types; use names from "
                             f"components.guardrail.PII_TYPES, e.g. 'EMAIL', 'PHONE', 'AWS_SECRET_KEY'")
        overlap = set(self.masked_pii) & set(self.blocked_pii)
        require(not overlap, f"GuardrailArgs: {sorted(overlap)} are both masked and blocked; choose one")
        require(bool(self.blocked_pii) or bool(self.masked_pii),
                "GuardrailArgs: masked_pii and blocked_pii are both empty; personal data would pass unfiltered")
        if self.name is not None:
            require(bool(re.match(r"^[0-9a-zA-Z_-]{1,50}$", self.name)),
                    f"GuardrailArgs.name {self.name!r} must be 1-50 letters, digits, '-' or '_'")


class Guardrail(pulumi.ComponentResource):
    # The checklist items this component builds by default (docs/checklist.md lists them per item).
    CHECKLIST = ("ai.prompt-injection", "compliance.data")
    guardrail: aws.bedrock.Guardrail
    version: aws.bedrock.GuardrailVersion
    guardrail_id: pulumi.Output[str]
    guardrail_arn: pulumi.Output[str]
    version_number: pulumi.Output[str]

    def __init__(self, name: str, args: GuardrailArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__(token("guardrail", "Guardrail"), name, {}, opts)
        strength = args.content_filter_strength
        filters = [{"type": "PROMPT_ATTACK", "input_strength": "HIGH", "output_strength": "NONE",
                    "input_action": "BLOCK", "input_enabled": True}]
        filters += [{"type": kind, "input_strength": strength, "output_strength": strength,
                     "input_action": "BLOCK", "output_action": "BLOCK"} for kind in CONTENT_FILTERS]
        pii = [{"type": kind, "action": "ANONYMIZE", "input_action": "NONE", "output_action": "ANONYMIZE",
                "input_enabled": False, "output_enabled": True} for kind in args.masked_pii]
        pii += [{"type": kind, "action": "BLOCK", "input_action": "BLOCK", "output_action": "BLOCK",
                 "input_enabled": True, "output_enabled": True} for kind in args.blocked_pii]
        grounding = [{"type": kind, "threshold": value}
                     for kind, value in (("GROUNDING", args.grounding_threshold),
                                         ("RELEVANCE", args.relevance_threshold)) if value is not None]
        topics = [{"name": t.name, "definition": t.definition, "examples": list(t.examples) or None, "type": "DENY"}
                  for t in args.denied_topics]
        self.guardrail = aws.bedrock.Guardrail(
            f"{name}-guardrail", name=args.name or name,
            description=f"{name}: prompt attacks, harmful content, personal data and denied topics",
            blocked_input_messaging=args.blocked_input_message, blocked_outputs_messaging=args.blocked_output_message,
            content_policy_config={"filters_configs": filters},
            sensitive_information_policy_config={"pii_entities_configs": pii},
            topic_policy_config={"topics_configs": topics} if topics else None,
            contextual_grounding_policy_config={"filters_configs": grounding} if grounding else None,
            kms_key_arn=args.kms_key_arn, tags=merge_tags(args.tags), opts=child(self))
        # A published version is immutable: the handler pins it, and a change to the guardrail is a new version
        # (the previous one is kept, so a rollback of the function also rolls back its guardrail).
        self.version = aws.bedrock.GuardrailVersion(
            f"{name}-version", guardrail_arn=self.guardrail.guardrail_arn,
            description=f"{name}: published for the service", skip_destroy=True, opts=child(self))
        self.guardrail_id = self.guardrail.guardrail_id
        self.guardrail_arn = self.guardrail.guardrail_arn
        self.version_number = self.version.version
        self.register_outputs({"guardrail_id": self.guardrail_id, "guardrail_arn": self.guardrail_arn,
                               "version": self.version_number})
