"""Bedrock model ids, their IAM resource ARNs, and the price table that turns tokens into dollars.

Shared by ModelGateway (which models the handler may call, what the handler reports as cost) and
ServiceDashboard (cost per request from Bedrock's token metrics).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Iterable, List, Mapping, Sequence

import pulumi

from ._base import AwsContext, require

# A foundation model id (anthropic.claude-3-5-haiku-20241022-v1:0) or a cross-region inference profile id
# (eu.anthropic.claude-3-5-haiku-20241022-v1:0, global.anthropic...).
_MODEL_ID = re.compile(r"^(?:(us|eu|apac|us-gov|ca|jp|au|global)\.)?([a-z0-9-]+\.[A-Za-z0-9._:-]+)$")


@dataclass(frozen=True)
class ModelPrice:
    """On-demand price of a model in USD per 1,000 tokens (see the Bedrock pricing page for your region)."""
    input_per_1k: float
    output_per_1k: float

    def __post_init__(self) -> None:
        for what, value in (("input_per_1k", self.input_per_1k), ("output_per_1k", self.output_per_1k)):
            require(isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < 1000,
                    f"ModelPrice.{what} must be a price in USD per 1,000 tokens between 0 and 1000 (got {value!r})")


def validate_model_ids(models: Sequence[str], what: str) -> None:
    require(isinstance(models, (list, tuple)) and len(models) > 0,
            f"{what} is empty; name the Bedrock model ids the feature may call (an allow-list, e.g. "
            f"['anthropic.claude-3-5-haiku-20241022-v1:0']); the handler refuses every other model")
    for model in models:
        require(isinstance(model, str) and bool(_MODEL_ID.match(model)) and "*" not in model,
                f"{what} has {model!r}, which is not a Bedrock model id; use ids such as "
                f"'anthropic.claude-3-5-haiku-20241022-v1:0' (no wildcards, no ARNs)")
    require(len(set(models)) == len(models), f"{what} lists a model twice")


def validate_prices(models: Sequence[str], prices: Mapping[str, ModelPrice], what: str) -> None:
    """Every allowed model has a price, and every price is for an allowed model."""
    require(isinstance(prices, Mapping), f"{what} must map model ids to ModelPrice")
    missing = [m for m in models if m not in prices]
    require(not missing, f"{what} has no price for {missing}; add ModelPrice(input_per_1k=..., output_per_1k=...) "
                         f"for every allowed model, or cost per request cannot be computed")
    extra = sorted(set(prices) - set(models))
    require(not extra, f"{what} prices {extra}, which are not in the model allow-list; remove them or allow the "
                       f"model")
    for model, price in prices.items():
        require(isinstance(price, ModelPrice), f"{what}[{model!r}] must be a ModelPrice (got {price!r})")


def base_model(model: str) -> str:
    """The foundation model behind a model id or an inference profile id."""
    match = _MODEL_ID.match(model)
    return match.group(2) if match else model


def is_inference_profile(model: str) -> bool:
    match = _MODEL_ID.match(model)
    return bool(match and match.group(1))


def invoke_resource_arns(models: Iterable[str], ctx: AwsContext) -> pulumi.Output[List[str]]:
    """IAM resources for bedrock:InvokeModel on exactly these models (an inference profile also needs its
    foundation model in every region it routes to)."""
    models = list(models)

    def build(v: List[str]) -> List[str]:
        partition, region, account = v
        arns: List[str] = []
        for model in models:
            if is_inference_profile(model):
                arns.append(f"arn:{partition}:bedrock:{region}:{account}:inference-profile/{model}")
                arns.append(f"arn:{partition}:bedrock:*::foundation-model/{base_model(model)}")
            else:
                arns.append(f"arn:{partition}:bedrock:{region}::foundation-model/{model}")
        return arns
    return pulumi.Output.all(ctx.partition, ctx.region, ctx.account_id).apply(build)


def prices_json(prices: Mapping[str, ModelPrice]) -> str:
    """The price table as the handler reads it: {model: [input_per_1k, output_per_1k]}."""
    return json.dumps({m: [p.input_per_1k, p.output_per_1k] for m, p in sorted(prices.items())},
                      sort_keys=True, separators=(",", ":"))
