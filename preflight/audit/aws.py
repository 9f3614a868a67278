"""boto3 plumbing for the audit: session, clients, and the one place AWS errors are classified.

A check never sees a raw botocore error it has to interpret: a denied call becomes
PermissionDenied (a finding about the audit role, naming the permission), an API the endpoint does
not implement becomes NotSupported ("not checked", a documented emulator gap), and rejected
credentials, a bad region or endpoint, or an endpoint that does not answer stop the audit with a
one-line UsageError (exit 2). Every call has connect/read timeouts and bounded retries, so a
hanging endpoint fails within a minute.
"""
from __future__ import annotations

import os
import re
import threading
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple
from urllib.parse import urlsplit, urlunsplit

import boto3
from botocore.config import Config
import botocore
from botocore.exceptions import (BotoCoreError, ClientError, ConnectTimeoutError, EndpointConnectionError,
                                 InvalidRegionError, NoCredentialsError, NoRegionError, PartialCredentialsError,
                                 ProfileNotFound, ReadTimeoutError)

from ..errors import UsageError

DENIED_CODES = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedException",
                "AuthorizationError", "AuthorizationErrorException", "Forbidden", "ForbiddenException"}
BAD_CREDENTIAL_CODES = {"InvalidClientTokenId", "UnrecognizedClientException", "SignatureDoesNotMatch",
                        "InvalidAccessKeyId", "ExpiredToken", "ExpiredTokenException", "InvalidToken",
                        "AuthFailure", "IncompleteSignature"}
# IAM action prefixes that differ from the botocore service name.
IAM_PREFIX = {"cloudwatch": "cloudwatch", "logs": "logs", "s3control": "s3", "apigatewayv2": "apigateway",
              "efs": "elasticfilesystem"}
# Operations whose IAM action is not "<prefix>:<OperationName>".
IAM_ACTION = {
    ("s3", "ListBuckets"): "s3:ListAllMyBuckets",
    ("s3", "GetBucketEncryption"): "s3:GetEncryptionConfiguration",
    ("s3", "GetPublicAccessBlock"): "s3:GetBucketPublicAccessBlock",
    ("s3control", "GetPublicAccessBlock"): "s3:GetAccountPublicAccessBlock",
    ("budgets", "DescribeBudgets"): "budgets:ViewBudget",
    ("budgets", "DescribeNotificationsForBudget"): "budgets:ViewBudget",
    ("budgets", "DescribeSubscribersForNotification"): "budgets:ViewBudget",
    ("apigateway", "GetRestApis"): "apigateway:GET",
    ("apigateway", "GetStages"): "apigateway:GET",
    ("apigateway", "GetUsagePlans"): "apigateway:GET",
    ("apigatewayv2", "GetApis"): "apigateway:GET",
    ("apigatewayv2", "GetStages"): "apigateway:GET",
    ("lambda", "ListFunctions"): "lambda:ListFunctions",
}
NOT_AUTHORIZED_RE = re.compile(r"not authorized to perform:? ([a-z0-9-]+:[A-Za-z0-9*]+)")


class PermissionDenied(Exception):
    def __init__(self, action: str, detail: str):
        super().__init__(f"{action}: {detail}")
        self.action = action
        self.detail = detail


class Incomplete(Exception):
    """A check could not run for a reason that is not an emulator gap (throttled, errors...)."""


class NotSupported(Exception):
    """The endpoint (an emulator, or a region without the service) does not implement this API."""

    def __init__(self, action: str, reason: str = ""):
        super().__init__(reason or f"the endpoint does not implement {action}")
        self.action = action


# Per call: connect within CONNECT_TIMEOUT, each read within READ_TIMEOUT, at most MAX_ATTEMPTS tries
# (botocore "standard" retries: throttling and 5xx back off exponentially). Worst case for an
# endpoint that accepts and never answers: 3 x 12 s + backoff, under a minute.
CONNECT_TIMEOUT = 5
READ_TIMEOUT = 12
MAX_ATTEMPTS = 3
REGION_RE = re.compile(r"^[a-z]{2}(-[a-z]+)+-[0-9]+$")


def iam_action(service: str, operation: str) -> str:
    return IAM_ACTION.get((service, operation), f"{IAM_PREFIX.get(service, service)}:{operation}")


def endpoint_override() -> Optional[str]:
    return os.environ.get("AWS_ENDPOINT_URL")


def describe_endpoint(service: str = "") -> str:
    url = endpoint_override()
    return url if url else f"AWS ({service or 'sts'} endpoint)"


def _strip_s3control_host_prefix(request, **_: Any) -> None:
    """S3 Control prepends '<account-id>.' to the host, which an emulator on loopback cannot
    resolve; only applied when the endpoint is overridden (real AWS needs the prefix)."""
    override = endpoint_override() or os.environ.get("AWS_ENDPOINT_URL_S3_CONTROL")
    if not override:
        return
    base_host = urlsplit(override).netloc
    parts = urlsplit(request.url)
    if parts.netloc != base_host and parts.netloc.endswith("." + base_host):
        request.url = urlunsplit(parts._replace(netloc=base_host))


def classify(error: Exception, service: str, operation: str) -> Exception:
    """Map a botocore error to what the audit does with it (see module doc)."""
    if isinstance(error, (EndpointConnectionError, ConnectTimeoutError)):
        return UsageError(
            f"cannot reach {describe_endpoint(service)} ({error}); check your network, "
            f"AWS_ENDPOINT_URL and --region")
    if isinstance(error, ClientError):
        err = error.response.get("Error", {})
        code = str(err.get("Code", ""))
        message = str(err.get("Message", ""))
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in BAD_CREDENTIAL_CODES:
            return UsageError(
                f"AWS rejected the credentials ({code}: {message.strip()[:160]}); check AWS_PROFILE or "
                f"AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or refresh them (aws sso login)")
        if code in DENIED_CODES or (status == 403 and code not in ("404",)):
            found = NOT_AUTHORIZED_RE.search(message)
            action = found.group(1) if found else iam_action(service, operation)
            return PermissionDenied(action, f"{code}: {message.strip()[:200]}")
        lowered = message.lower()
        if (code in ("404", "NotImplemented") and ("<html" in lowered or "not found" in lowered
                                                   or "not yet implemented" in lowered)) \
                or "not been implemented" in lowered or "not yet implemented" in lowered:
            return NotSupported(iam_action(service, operation))
    return error


class AuditContext:
    """What a check needs: clients, the account, options, and memoized AWS calls."""

    def __init__(self, session: boto3.Session, region: str, *, rpo_hours: float = 24.0,
                 max_key_age_days: int = 90, max_unused_days: int = 45):
        self.session = session
        self.region = region
        self.rpo_hours = rpo_hours
        self.max_key_age_days = max_key_age_days
        self.max_unused_days = max_unused_days
        self.account = ""
        self.caller_arn = ""
        self._clients: Dict[str, Any] = {}
        self._client_lock = threading.Lock()
        self._cache: Dict[Tuple, Any] = {}
        self._cache_locks: Dict[Tuple, threading.Lock] = {}
        self._cache_guard = threading.Lock()
        self._config = Config(region_name=region, connect_timeout=CONNECT_TIMEOUT, read_timeout=READ_TIMEOUT,
                              retries={"total_max_attempts": MAX_ATTEMPTS, "mode": "standard"},
                              user_agent_extra="preflight-audit")
        self.unreachable: Optional[str] = None  # set once an endpoint timed out: stop calling it

    def _timed_out(self, service: str, error: Exception) -> UsageError:
        client = self._clients.get(service)
        url = client.meta.endpoint_url if client is not None else describe_endpoint(service)
        self.unreachable = (f"{url} did not answer within {READ_TIMEOUT} s ({MAX_ATTEMPTS} attempts); check "
                            "the network, AWS_ENDPOINT_URL and --region")
        return UsageError(self.unreachable)

    def client(self, service: str):
        with self._client_lock:  # boto3 sessions are not thread-safe; clients are
            if service not in self._clients:
                try:
                    client = self.session.client(service, config=self._config)
                except (InvalidRegionError, ValueError) as e:
                    raise UsageError(f"cannot use region '{self.region}' / endpoint "
                                     f"'{endpoint_override() or 'AWS'}' ({e}); fix --region or "
                                     "AWS_ENDPOINT_URL") from None
                if service == "s3control":
                    client.meta.events.register("before-send.s3-control.*", _strip_s3control_host_prefix)
                self._clients[service] = client
            return self._clients[service]

    def identify(self) -> None:
        """Who are we? The first call: it proves credentials and endpoint before any check runs."""
        try:
            ident = self.call("sts", "get_caller_identity")
        except PermissionDenied as e:  # only possible with an explicit deny on sts
            raise UsageError(f"the credentials cannot call sts:GetCallerIdentity ({e.detail}); "
                             f"use credentials that may identify themselves") from None
        self.account = ident["Account"]
        self.caller_arn = ident["Arn"]

    def call(self, service: str, method: str, *, absent: Iterable[str] = (), **params: Any) -> Any:
        """One API call; returns None when the error code is in `absent` (e.g. no such config)."""
        if self.unreachable:
            raise UsageError(self.unreachable)
        client = self.client(service)
        try:
            return getattr(client, method)(**params)
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") in set(absent):
                return None
            raise classify(e, service, client.meta.method_to_api_mapping[method]) from None
        except (ReadTimeoutError, ConnectTimeoutError) as e:
            raise self._timed_out(service, e) from None
        except EndpointConnectionError as e:
            raise classify(e, service, method) from None

    def items(self, service: str, method: str, key: str, **params: Any) -> List[Any]:
        """Every item of a (possibly paginated) list call, memoized: many checks share a listing."""
        return self.memo((service, method, key, tuple(sorted(params.items()))),
                         lambda: [item for page in self.pages(service, method, **params) for item in page.get(key, [])])

    def pages(self, service: str, method: str, **params: Any) -> List[Dict[str, Any]]:
        """Every page of a (possibly paginated) call, memoized: for answers with several lists per page."""
        def load() -> List[Dict[str, Any]]:
            client = self.client(service)
            if not client.can_paginate(method):
                return [self.call(service, method, **params) or {}]
            if self.unreachable:
                raise UsageError(self.unreachable)
            try:
                return list(client.get_paginator(method).paginate(**params))
            except ClientError as e:
                raise classify(e, service, client.meta.method_to_api_mapping[method]) from None
            except (ReadTimeoutError, ConnectTimeoutError) as e:
                raise self._timed_out(service, e) from None
            except EndpointConnectionError as e:
                raise classify(e, service, method) from None
        return self.memo(("pages", service, method, tuple(sorted(params.items()))), load)

    def memo(self, key: Tuple, load: Callable[[], Any]) -> Any:
        with self._cache_guard:
            lock = self._cache_locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._cache:
                self._cache[key] = load()
            return self._cache[key]


def known_regions() -> List[str]:
    session = botocore.session.get_session()
    regions = set()
    for partition in session.get_available_partitions():
        regions.update(session.get_available_regions("sts", partition_name=partition))
        regions.update(session.get_available_regions("ec2", partition_name=partition))
    return sorted(regions)


def resolve_region(flag: Optional[str], profile_region: Optional[str]) -> Tuple[str, str]:
    """--region, then AWS_REGION, then AWS_DEFAULT_REGION, then the profile's region (botocore
    itself reads only AWS_DEFAULT_REGION and the profile, so AWS_REGION is read here)."""
    for value, source in ((flag, "--region"), (os.environ.get("AWS_REGION"), "AWS_REGION"),
                          (os.environ.get("AWS_DEFAULT_REGION"), "AWS_DEFAULT_REGION"),
                          (profile_region, "the profile's region")):
        if value and value.strip():
            return value.strip(), source
    raise UsageError("no AWS region configured; pass --region (e.g. --region us-east-1) or set AWS_REGION")


def check_region(region: str, source: str) -> None:
    shown = region.encode("unicode_escape").decode("ascii")[:60]
    if not REGION_RE.match(region):
        raise UsageError(f"{source} '{shown}' is not an AWS region name; use one like us-east-1 or eu-west-2")
    if region not in known_regions():
        raise UsageError(f"{source} '{shown}' is not a region botocore {botocore.__version__} knows; check the "
                         "spelling (e.g. us-east-1), or upgrade boto3 if the region is new")


def check_endpoint() -> None:
    url = endpoint_override()
    if url is None:
        return
    shown = url.encode("unicode_escape").decode("ascii")[:100]
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError on a bad port
    except ValueError:
        parts = None
    if not parts or parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"AWS_ENDPOINT_URL '{shown}' is not a URL like http://127.0.0.1:5000 or "
                         "https://host; fix it, or unset it to audit AWS itself")


def open_session(region: Optional[str]) -> Tuple[boto3.Session, str]:
    """A boto3 session from the standard credential chain, or a UsageError that says how to fix it."""
    check_endpoint()
    try:
        probe = boto3.Session()
        profile_region = probe._session.get_scoped_config().get("region")
    except ProfileNotFound as e:
        raise UsageError(f"{e}; set AWS_PROFILE to a profile in ~/.aws/config, or unset it") from None
    except BotoCoreError as e:
        raise UsageError(f"cannot read the AWS configuration ({e}); check AWS_CONFIG_FILE and AWS_PROFILE") from None
    resolved, source = resolve_region(region, profile_region)
    check_region(resolved, source)
    try:
        session = boto3.Session(region_name=resolved)
    except ProfileNotFound as e:
        raise UsageError(f"{e}; set AWS_PROFILE to a profile in ~/.aws/config, or unset it") from None
    try:
        credentials = session.get_credentials()
    except (PartialCredentialsError, BotoCoreError) as e:
        raise UsageError(f"AWS credentials are incomplete ({e}); set both AWS_ACCESS_KEY_ID and "
                         f"AWS_SECRET_ACCESS_KEY, or use a profile (AWS_PROFILE)") from None
    if credentials is None:
        raise UsageError("no AWS credentials found; set AWS_PROFILE (or run `aws configure` / "
                         "`aws sso login`), or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
    return session, resolved


__all__ = ["AuditContext", "PermissionDenied", "NotSupported", "Incomplete", "open_session", "classify", "iam_action",
           "NoCredentialsError", "NoRegionError"]
