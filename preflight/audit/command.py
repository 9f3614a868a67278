"""`preflight audit`: the production readiness audit of a live AWS account."""
from __future__ import annotations

import argparse
import sys

from ..errors import UsageError
from . import catalog
from .aws import AuditContext, open_session
from .drill import DRILL_TAG, RestoreDrill
from .model import SEVERITIES
from .report import build, exit_code, render_json, render_table
from .runner import Progress, permission_findings, run_checks

EPILOG = f"""\
exit codes: 0 every check ran and no finding is at or above --fail-on; 1 findings at or above --fail-on
(a denied API call is a high finding about the audit role); 2 bad input, missing or rejected
credentials, a bad region or AWS_ENDPOINT_URL, an endpoint that cannot be reached or does not answer,
or output that could not be written; 3 incomplete: no blocking finding, but some checks could not run
(throttled, server errors, timeouts, denied), so the audit does not pass. Region: --region, then
AWS_REGION, then AWS_DEFAULT_REGION, then the profile's. Credentials come from boto3's standard chain
(AWS_PROFILE, AWS_ACCESS_KEY_ID..., SSO, instance roles); AWS_ENDPOINT_URL points it at an emulator.
--restore-drill restores each RDS instance tagged {DRILL_TAG}=true into a scratch instance and deletes it
again.
"""


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be greater than 0")
    return value


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be 0 or more")
    return value


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "audit", help="audit a live AWS account against the production readiness checklist",
        description="Audit a live AWS account against the production readiness checklist: findings sorted "
                    "by severity, each with the checklist item it breaks and the fix.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--region", help="AWS region to audit (default: AWS_REGION, AWS_DEFAULT_REGION, then "
                                         "the profile's region)")
    parser.add_argument("--format", choices=("table", "json"), default="table", help="output format (default table)")
    parser.add_argument("--fail-on", choices=SEVERITIES, default="high",
                        help="exit 1 when a finding is at or above this severity (default high)")
    parser.add_argument("--rpo-hours", type=positive_float, default=24.0, metavar="HOURS",
                        help="recovery point objective: the newest backup must be younger (default 24)")
    parser.add_argument("--max-key-age-days", type=positive_int, default=90, metavar="DAYS",
                        help="active IAM access keys older than this are findings (default 90)")
    parser.add_argument("--max-unused-days", type=positive_int, default=45, metavar="DAYS",
                        help="IAM passwords and active access keys unused for longer are findings (default 45)")
    parser.add_argument("--restore-drill", action="store_true",
                        help=f"restore each RDS instance tagged {DRILL_TAG}=true into a scratch instance, "
                             "measure RTO and RPO, then delete it (writes to the account)")
    parser.add_argument("--allow-prod", action="store_true",
                        help="let --restore-drill run against databases/accounts marked (or presumed) prod")
    parser.add_argument("--drill-timeout-minutes", type=positive_float, default=60.0, metavar="MIN",
                        help="give up on a restore after this long (default 60)")
    parser.set_defaults(func=run)


def run(args) -> int:
    if args.allow_prod and not args.restore_drill:
        raise UsageError("--allow-prod only applies to --restore-drill; add --restore-drill or drop --allow-prod")
    checks = catalog.load()
    session, region = open_session(args.region)
    ctx = AuditContext(session, region, rpo_hours=args.rpo_hours, max_key_age_days=args.max_key_age_days,
                       max_unused_days=args.max_unused_days)
    ctx.identify()
    account_checks = catalog.ACCOUNT_CHECKS
    progress = Progress(len(account_checks))
    try:
        results = run_checks(ctx, account_checks, progress)
        findings = [f for r in results for f in r.findings]
        findings += permission_findings(ctx, results, checks["audit-role-permissions"])
        drills = None
        if args.restore_drill:
            drill = RestoreDrill(ctx, allow_prod=args.allow_prod, timeout_minutes=args.drill_timeout_minutes,
                                 failed_check=checks["restore-drill-failed"], rpo_check=checks["restore-drill-rpo"],
                                 note=progress.note)
            drills = drill.run()
            findings += [f for d in drills for f in d.findings]
    finally:
        progress.finish()
    report = build(ctx, results, findings, drills, args.fail_on)
    sys.stdout.write(render_json(report) if args.format == "json" else render_table(report))
    return exit_code(report)
