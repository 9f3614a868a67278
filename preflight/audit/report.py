"""The audit report: findings by severity, the checklist item by item, the restore drill; table or JSON."""
from __future__ import annotations

import json
import textwrap
from typing import List, Optional, Sequence

from .checklist import CHECKLIST
from .drill import DrillResult
from .model import SEVERITIES, SEVERITY_RANK, Finding
from .runner import FAIL, NOT_CHECKED, PASS, CheckResult

NO_AUDIT_CHECK = "no live-account check; `preflight check` (policy pack) and the README cover it"


def sort_findings(findings: Sequence[Finding]) -> List[Finding]:
    return sorted(findings, key=lambda f: (-SEVERITY_RANK[f.severity], f.check, f.resource, f.message))


def checklist_summary(results: Sequence[CheckResult], drills: Optional[Sequence[DrillResult]]) -> List[dict]:
    rows = []
    for cid, title in CHECKLIST.items():
        citing = [r for r in results if cid in r.check.checklist]
        passed = [r.check.id for r in citing if r.status == PASS]
        failed = [r.check.id for r in citing if r.status == FAIL]
        skipped = [r.check.id for r in citing if r.status == NOT_CHECKED]
        if cid == "infra.backups" and drills:
            for drill in drills:
                if drill.status == "restored" and not drill.findings:
                    passed.append(f"restore-drill:{drill.database}")
                elif drill.status in ("restored", "failed"):
                    failed.append(f"restore-drill:{drill.database}")
        status = FAIL if failed else PASS if passed else NOT_CHECKED
        if not citing:
            note = NO_AUDIT_CHECK
        else:
            note = f"{len(passed)} passed, {len(failed)} failed, {len(skipped)} not checked"
        rows.append({"id": cid, "title": title, "status": status, "note": note,
                     "passed": passed, "failed": failed, "notChecked": skipped})
    return rows


def build(ctx, results: Sequence[CheckResult], findings: Sequence[Finding],
          drills: Optional[Sequence[DrillResult]], fail_on: str) -> dict:
    ordered = sort_findings(findings)
    summary = {severity: 0 for severity in reversed(SEVERITIES)}
    for finding in ordered:
        summary[finding.severity] += 1
    incomplete = [r.check.id for r in results if r.incomplete]
    report = {
        "account": ctx.account, "region": ctx.region, "caller": ctx.caller_arn,
        "rpoHours": ctx.rpo_hours, "failOn": fail_on,
        "findings": [f.to_json() for f in ordered],
        "summary": summary,
        "incomplete": incomplete,
        "checks": [{"id": r.check.id, "title": r.check.title, "checklist": list(r.check.checklist),
                    "severity": r.check.severity, "status": r.status, "findings": len(r.findings),
                    **({"reason": r.reason} if r.reason else {}),
                    **({"notChecked": "endpoint-gap" if r.gap else "could-not-run"}
                       if r.status == NOT_CHECKED else {})} for r in results],
        "checklist": checklist_summary(results, drills),
    }
    if drills is not None:
        report["restoreDrill"] = [d.to_json() for d in drills]
    report["outcome"] = "fail" if blocking(report) else "incomplete" if incomplete else "pass"
    return report


EXIT_PASS, EXIT_FAIL, EXIT_USAGE, EXIT_INCOMPLETE = 0, 1, 2, 3


def exit_code(report: dict) -> int:
    """0 pass; 1 findings at or above --fail-on; 3 nothing blocking found, but some checks could
    not run (throttled, errors, timeouts, denied): never a pass. 2 (bad input) is raised earlier."""
    return {"fail": EXIT_FAIL, "incomplete": EXIT_INCOMPLETE, "pass": EXIT_PASS}[report["outcome"]]


def blocking(report: dict) -> int:
    threshold = SEVERITY_RANK[report["failOn"]]
    return sum(1 for f in report["findings"] if SEVERITY_RANK[f["severity"]] >= threshold)


def render_json(report: dict) -> str:
    return json.dumps(report, indent=2, sort_keys=False) + "\n"


def _wrap(text: str, indent: int, width: int = 100) -> str:
    return textwrap.fill(text, width=width, initial_indent=" " * indent, subsequent_indent=" " * indent,
                         break_long_words=False, break_on_hyphens=False)


def render_table(report: dict) -> str:
    out: List[str] = []
    out.append(f"Preflight audit of account {report['account']} in {report['region']} (as {report['caller']})")
    out.append("")
    findings = report["findings"]
    if findings:
        out.append(f"FINDINGS ({len(findings)}, most severe first)")
        for f in findings:
            out.append(f"  {f['severity'].upper():<9}{f['check']}  [{', '.join(f['checklist'])}]")
            out.append(_wrap(f"{f['resource']}: {f['message']}", 11))
            out.append(_wrap(f"fix: {f['remediation']}", 11))
    else:
        out.append("FINDINGS: none")
    out.append("")
    out.append("CHECKLIST")
    for row in report["checklist"]:
        out.append(f"  {row['status'].upper():<12} {row['id']:<29} {row['title']:<26} {row['note']}")
    not_checked = [c for c in report["checks"] if c["status"] == NOT_CHECKED]
    if not_checked:
        out.append("")
        out.append(f"NOT CHECKED ({len(not_checked)} checks)")
        for c in not_checked:
            kind = "endpoint gap" if c.get("notChecked") == "endpoint-gap" else "COULD NOT RUN"
            out.append(f"  {c['id']:<32} [{kind}] {c.get('reason', '')}")
    drills = report.get("restoreDrill")
    if drills is not None:
        out.append("")
        out.append("RESTORE DRILL")
        if not drills:
            out.append("  no RDS database is tagged preflight:restore-drill=true")
        for d in drills:
            if d["status"] == "restored":
                out.append(f"  RESTORED  {d['kind']} {d['database']} ({d['environment']}): "
                           f"RTO {d['rtoSeconds']:.0f} s, "
                           f"RPO achieved {d['rpoHours']:.2f} h (snapshot {d['snapshot']}), scratch "
                           f"{d['scratchInstance']} {'deleted' if d['cleanedUp'] else 'NOT deleted'}")
            else:
                out.append(f"  {d['status'].upper():<9} {d['kind']} {d['database']} ({d['environment']}): "
                           f"{d['reason']}")
    out.append("")
    counts = ", ".join(f"{n} {sev}" for sev, n in report["summary"].items())
    blocked = blocking(report)
    incomplete = report.get("incomplete", [])
    if blocked:
        verdict = f"FAIL: {blocked} finding(s) at or above {report['failOn']}"
        if incomplete:
            verdict += f"; {len(incomplete)} check(s) could not run"
    elif incomplete:
        verdict = (f"INCOMPLETE: {len(incomplete)} of {len(report['checks'])} check(s) could not run "
                   f"(see NOT CHECKED), so this is not a pass; nothing at or above {report['failOn']} "
                   "among the checks that ran")
    else:
        verdict = f"PASS: nothing at or above {report['failOn']}"
    out.append(f"{len(findings)} finding(s): {counts}. {verdict}.")
    return "\n".join(out) + "\n"
