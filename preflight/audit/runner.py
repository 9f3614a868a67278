"""Run the checks concurrently, turning denied/unsupported calls into results instead of crashes."""
from __future__ import annotations

import sys
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Dict, List, Sequence, Tuple

from botocore.exceptions import BotoCoreError, ClientError

from ..errors import UsageError
from .aws import AuditContext, Incomplete, NotSupported, PermissionDenied
from .model import Check, Finding

PASS, FAIL, NOT_CHECKED = "pass", "fail", "not checked"
WORKERS = 6
INTERNAL_ERROR = "internal error in this check (please report it)"


@dataclass
class CheckResult:
    check: Check
    status: str
    findings: List[Finding] = field(default_factory=list)
    reason: str = ""
    denied: str = ""  # the IAM action, when a denied call stopped the check
    gap: bool = False  # not checked because the endpoint does not offer the API (a documented gap)

    @property
    def incomplete(self) -> bool:
        """Could not run for a reason other than a documented gap: the audit cannot pass."""
        return self.status == NOT_CHECKED and not self.gap


class Progress:
    """A one-line counter on stderr, only when stderr is a terminal (never in pipes or CI logs)."""

    def __init__(self, total: int, stream=None):
        self.stream = stream or sys.stderr
        self.enabled = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.total, self.done = total, 0
        self.lock = threading.Lock()

    def step(self, label: str) -> None:
        with self.lock:
            self.done += 1
            if self.enabled:
                self.stream.write(f"\r\033[Kpreflight audit: {self.done}/{self.total} {label}")
                self.stream.flush()

    def note(self, text: str) -> None:
        if self.enabled:
            with self.lock:
                self.stream.write(f"\r\033[Kpreflight audit: {text}")
                self.stream.flush()

    def finish(self) -> None:
        if self.enabled:
            self.stream.write("\r\033[K")
            self.stream.flush()


def run_one(ctx: AuditContext, item: Check) -> CheckResult:
    try:
        findings = [item.finding(resource, message) for resource, message in item.run(ctx)]
    except PermissionDenied as e:
        return CheckResult(item, NOT_CHECKED, reason=f"access denied: the audit role lacks {e.action}",
                           denied=e.action)
    except NotSupported as e:
        return CheckResult(item, NOT_CHECKED, reason=str(e), gap=True)
    except Incomplete as e:
        return CheckResult(item, NOT_CHECKED, reason=str(e))
    except UsageError:
        raise
    except ClientError as e:
        err = e.response.get("Error", {})
        return CheckResult(item, NOT_CHECKED, reason=f"AWS error {err.get('Code')}: {err.get('Message', '')[:200]}")
    except BotoCoreError as e:
        return CheckResult(item, NOT_CHECKED, reason=f"AWS client error: {e}")
    except Exception as e:  # a bug in one check must not hide the other checks' results
        return CheckResult(item, NOT_CHECKED, reason=f"{INTERNAL_ERROR}: {type(e).__name__}: {e}")
    return CheckResult(item, FAIL if findings else PASS, findings)


def run_checks(ctx: AuditContext, checks: Sequence[Check], progress: Progress) -> List[CheckResult]:
    results: Dict[str, CheckResult] = {}
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures = {pool.submit(run_one, ctx, item): item for item in checks}
        try:
            for future in as_completed(futures):
                result = future.result()
                results[result.check.id] = result
                progress.step(result.check.id)
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    return [results[item.id] for item in checks]


def permission_findings(ctx: AuditContext, results: Sequence[CheckResult], role_check: Check) -> List[Finding]:
    """One finding per missing IAM action, naming the checks it stopped."""
    by_action: Dict[str, List[CheckResult]] = {}
    for result in results:
        if result.denied:
            by_action.setdefault(result.denied, []).append(result)
    findings = []
    for action, blocked in sorted(by_action.items()):
        ids = [r.check.id for r in blocked]
        checklist: Tuple[str, ...] = tuple(sorted({c for r in blocked for c in r.check.checklist}))
        findings.append(Finding(role_check.id, checklist, role_check.severity, ctx.caller_arn or "audit role",
                                f"the audit role is not allowed {action}, so {len(ids)} check(s) did not run: "
                                f"{', '.join(ids)}", role_check.remediation.replace(
                                    "the named action", action)))
    return findings
