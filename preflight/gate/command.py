"""`preflight gate`, `preflight digest`, `preflight approve`: the destructive-change gate.

Exit codes (all three): 0 allowed / done, 1 denied or needs approval (gate only), 2 bad input
(a missing, truncated or malformed plan is bad input: it is never judged, so never allowed).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path
from typing import List, Optional

from ..errors import UsageError
from . import approvals as approvals_mod
from . import plan as plan_mod
from . import sshsig
from . import state as state_mod
from .settings import load_settings, resolve_environment, with_flags
from .verdict import ALLOWED, DENIED, Assessment, Verdict, assess, decide

GATE_EPILOG = """\
exit codes: 0 allowed, 1 denied or needs approval (the reasons are listed), 2 bad input
(including a truncated or malformed plan, which is never allowed).

Workflow: pulumi preview --save-plan plan.json --policy-pack policypack
          pulumi stack export --file state.json
          preflight gate plan.json --stack prod --state state.json --approvals approvals/ \\
            --signers allowed_signers
          pulumi up --plan plan.json
Approvers: preflight digest plan.json --stack prod --state state.json > digest.txt
           ssh-keygen -Y sign -f ~/.ssh/id_ed25519 -n preflight digest.txt   (writes digest.txt.sig)
Without --state a saved plan cannot show `protect` turned off; the gate warns when it could hide one.

--config FILE (YAML, keys at top level or under `gate:`): required, maxDestructive,
statefulTypes (type tokens or globs added to the built-in list), approvalEnvironments
(default [prod]), massCreate {ratio, minimum}, environments, requireState (true: deny a saved
plan without --state in approval environments). Pass the same --config and --state to digest
and approve."""


def _add_plan_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("plan", metavar="PLAN",
                        help="`pulumi preview --json` output or a saved update plan "
                             "(`pulumi preview --save-plan plan.json`)")
    parser.add_argument("--stack", required=True, metavar="NAME",
                        help="the stack the plan is for (must match the plan's URNs)")
    parser.add_argument("--config", metavar="FILE", help="gate settings (YAML); see below")
    parser.add_argument("--stateful-type", action="append", default=[], metavar="TOKEN",
                        help="treat this type token (or glob, e.g. 'aws:fsx/*') as stateful; repeatable")
    parser.add_argument("--state", metavar="FILE",
                        help="the stack's state (`pulumi stack export --stack NAME --file FILE`) "
                             "beside a saved plan: shows `protect` turned off, which a saved plan "
                             "alone cannot; pass the same file to gate, digest and approve")


def register(subparsers) -> None:
    gate = subparsers.add_parser(
        "gate", help="allow, deny, or require approvals for a plan's destructive changes",
        description="Judge every destructive change in a Pulumi plan. Deletes, replaces, unknown\n"
                    "ops and protection downgrades of stateful or protected resources need N\n"
                    "distinct signed approvals in prod; too many destructive changes are denied\n"
                    "outright; dev passes with warnings.",
        epilog=GATE_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_plan_arguments(gate)
    gate.add_argument("--approvals", metavar="DIR", help="folder of approvers' .sig files")
    gate.add_argument("--signers", metavar="FILE",
                      help="OpenSSH allowed_signers file: who may approve (principal key-type key)")
    gate.add_argument("--required", type=int, metavar="N",
                      help="distinct approvers needed in prod (default 2)")
    gate.add_argument("--max-destructive", type=int, metavar="N",
                      help="blast radius: more destructive changes than this are denied outright "
                           "(default 10)")
    gate.add_argument("--project-dir", metavar="DIR",
                      help="read preflight:environment from DIR/Pulumi.<stack>.yaml when the plan "
                           "carries no config")
    gate.add_argument("--format", choices=("table", "json"), default="table",
                      help="table for people, json for audit trails and agents (default table)")
    gate.set_defaults(func=run_gate)

    digest = subparsers.add_parser(
        "digest", help="print the line approvers sign for a plan's destructive changes",
        description="Print one line naming the plan's destructive changes (a hash over the stack "
                    "and the sorted changes that need approval). Approvers sign exactly these "
                    "bytes: `ssh-keygen -Y sign -f KEY -n preflight digest.txt`.")
    _add_plan_arguments(digest)
    digest.set_defaults(func=run_digest)

    approve = subparsers.add_parser(
        "approve", help="sign a plan's digest with your SSH key (wraps ssh-keygen -Y sign)",
        description="Show what the plan destroys, then sign its digest line with ssh-keygen in "
                    "namespace `preflight`, writing DIR/<name>.txt and DIR/<name>.txt.sig.")
    _add_plan_arguments(approve)
    approve.add_argument("--key", required=True, metavar="KEY",
                         help="your SSH private key (or its .pub when the key is in ssh-agent)")
    approve.add_argument("--out", required=True, metavar="DIR",
                         help="the approvals folder the gate reads (--approvals)")
    approve.set_defaults(func=run_approve)


# --- shared --------------------------------------------------------------------------------------

def _check_stack(stack_arg: str, loaded: plan_mod.Plan) -> None:
    parts = stack_arg.strip().split("/")
    if not parts[-1]:
        raise UsageError("--stack is empty; pass the stack name, e.g. --stack prod")
    if parts[-1] != loaded.stack or (len(parts) == 3 and parts[1] != loaded.project):
        raise UsageError(f"the plan is for stack '{loaded.project}/{loaded.stack}', not "
                         f"'{stack_arg}'; pass --stack {loaded.stack} or gate the plan of "
                         f"stack '{stack_arg}'")


def _assess(args, project_dir: Optional[str] = None) -> Assessment:
    settings = with_flags(load_settings(args.config), getattr(args, "required", None),
                          getattr(args, "max_destructive", None), args.stateful_type)
    loaded = plan_mod.load(args.plan)
    _check_stack(args.stack, loaded)
    environment = resolve_environment(loaded.stack, loaded.config, project_dir,
                                      dict(settings.environments))
    stack_state = None
    if getattr(args, "state", None):
        stack_state = state_mod.load(args.state, loaded.stack)
        state_mod.bind(stack_state, loaded)
    return assess(loaded, environment, settings, stack_state)


def _approval_hint(args, required: int) -> str:
    state = f" --state {args.state}" if getattr(args, "state", None) else ""
    return (f"collect {required} approvals: each approver runs `preflight digest {args.plan} "
            f"--stack {args.stack}{state} > digest.txt && ssh-keygen -Y sign -f ~/.ssh/id_ed25519 -n "
            "preflight digest.txt` (or `preflight approve ... --key KEY --out DIR`), puts "
            "digest.txt.sig in the approvals folder, and the gate re-runs with --approvals DIR "
            "--signers allowed_signers")


# --- gate ----------------------------------------------------------------------------------------

def run_gate(args) -> int:
    try:
        if args.approvals and not args.signers:
            raise UsageError("--approvals needs --signers (the allowed_signers file that says whose "
                             "keys count)")
        assessment = _assess(args, args.project_dir)
        signers = approvals_mod.load_signers(args.signers) if args.signers else None
        counted = approvals_mod.count(args.approvals, signers, assessment.digest) \
            if args.approvals and signers else None
    except UsageError as e:
        if args.format == "json":
            print(json.dumps({"tool": "preflight gate", "version": 1, "decision": DENIED,
                              "allowed": False, "exitCode": 2, "error": str(e),
                              "plan": {"file": args.plan}}, indent=2))
        raise
    notes = approvals_mod.signer_warnings(signers) if signers else []
    if args.state and assessment.plan.format == plan_mod.PREVIEW:
        notes.append("--state is not needed with `pulumi preview --json` output, which carries the old "
                     "state itself; it was checked against the plan's stack and otherwise not used")
    verdict = decide(assessment, counted, _approval_hint(args, assessment.settings.required), notes)
    if args.format == "json":
        print(json.dumps(verdict.as_json(), indent=2))
    else:
        print(render_table(verdict))
    return verdict.exit_code


def _short_type(resource_type: str) -> str:
    # aws:rds/instance:Instance -> aws:rds.Instance
    match = re.match(r"^([^:]+):([^/:]+)/[^:]*:(.+)$", resource_type)
    return f"{match.group(1)}:{match.group(2)}.{match.group(3)}" if match else resource_type


def render_table(verdict: Verdict) -> str:
    a = verdict.assessment
    title = {ALLOWED: "ALLOWED", DENIED: "DENIED", "needs-approval": "NEEDS APPROVAL"}[verdict.decision]
    lines = [f"preflight gate: {title}  stack {a.plan.project}/{a.plan.stack} "
             f"({a.environment.name}, from {a.environment.source}); {a.plan.format} {a.plan.path}"]
    for reason in verdict.reasons:
        lines.append(f"  - {reason}")
    if a.findings:
        lines.append("")
        lines.append(f"destructive changes ({len(a.findings)}, {len(a.gated)} need approval):")
        for f in a.findings:
            mark = ("needs approval" if a.strict else "prod: approval") if f.gated else "reported"
            lines.append(f"  [{mark}] {f.kind:<10} {_short_type(f.change.type)} '{f.change.name}'")
            for reason in f.reasons:
                lines.append(f"      {reason}")
    else:
        lines.append("no destructive changes")
    if a.mass_create:
        lines.append(f"mass create: {a.mass_create.text}")
    approvals = verdict.approvals
    if approvals:
        lines.append("")
        lines.append(f"approvals counted ({len(approvals.counted)}): "
                     + (", ".join(f"{x.principal} [{x.file}]" for x in approvals.counted) or "none"))
        for rejection in approvals.rejected:
            who = f" ({rejection.principal})" if rejection.principal else ""
            lines.append(f"  rejected {rejection.file}{who}: {rejection.reason}")
    for warning in verdict.warnings:
        lines.append(f"warning: {warning}")
    if a.needs_approval:
        lines.append(f"digest: {a.digest.rstrip()}")
    for hint in verdict.hints:
        lines.append(f"next: {hint}")
    # Every line may carry names and messages from the plan: no control character reaches a
    # terminal (a crafted name must not be able to erase or fake a line).
    return "\n".join(plan_mod.escape(line) for line in lines)


# --- digest --------------------------------------------------------------------------------------

def run_digest(args) -> int:
    assessment = _assess(args)
    if assessment.protect_warning:  # stdout is only the line approvers sign
        print(f"warning: {assessment.protect_warning}", file=sys.stderr)
    sys.stdout.write(assessment.digest)
    return 0


# --- approve -------------------------------------------------------------------------------------

def _publish_exclusively(folder: Path, name: str, data: bytes) -> Path:
    """Write folder/name atomically and exclusively: the bytes go to a fresh temporary file
    (O_CREAT|O_EXCL|O_NOFOLLOW), which is then hard-linked to its name; link() never follows a
    planted symlink and fails if the name exists, so nothing is overwritten."""
    final = folder / name
    tmp = folder / f".{name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(tmp, flags, 0o644)
    except OSError as e:
        raise UsageError(f"cannot write in --out '{approvals_mod.printable(str(folder))}' "
                         f"({e.strerror or e}); pick a writable folder") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, final, follow_symlinks=False)
        except FileExistsError:
            raise UsageError(f"'{approvals_mod.printable(str(final))}' already exists (you may have "
                             "approved this plan already); remove it if you mean to sign again") from None
        except OSError as e:
            raise UsageError(f"cannot write '{approvals_mod.printable(str(final))}' ({e.strerror or e}); "
                             "pick a writable folder") from None
    finally:
        try:
            os.unlink(tmp)
        except OSError:
            pass
    return final


def run_approve(args) -> int:
    assessment = _assess(args)
    key = Path(args.key)
    if not key.is_file():
        raise UsageError(f"--key '{args.key}' does not exist; pass your SSH private key, e.g. "
                         "~/.ssh/id_ed25519")
    ssh_keygen = shutil.which("ssh-keygen")
    if not ssh_keygen:
        raise UsageError("ssh-keygen is not installed; install OpenSSH (Debian: apt-get install "
                         "openssh-client)")
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UsageError(f"cannot create --out '{args.out}' ({e}); pick a writable folder") from None
    if not out.is_dir():
        raise UsageError(f"--out '{args.out}' is not a folder; pass the approvals folder")
    digest = assessment.digest
    _show_what_is_approved(assessment)
    sha = digest.rsplit("sha256=", 1)[-1].strip()[:12]
    key_name = re.sub(r"[^A-Za-z0-9_.-]", "_", key.name.removesuffix(".pub"))
    stack_name = re.sub(r"[^A-Za-z0-9_.-]", "_", assessment.plan.stack)
    base = f"approval-{stack_name}-{sha}-{key_name}.txt"
    for name in (base, base + ".sig"):
        if os.path.lexists(out / name):
            raise UsageError(f"'{approvals_mod.printable(str(out / name))}' already exists (you may have "
                             "approved this plan already); remove it if you mean to sign again")
    # ssh-keygen signs stdin and writes the signature to stdout: it never opens a file in --out.
    completed = subprocess.run([ssh_keygen, "-q", "-Y", "sign", "-f", str(key), "-n",
                                approvals_mod.NAMESPACE], input=digest.encode("utf-8"), check=False,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    armored = completed.stdout
    if completed.returncode != 0 or not armored.startswith(b"-----BEGIN SSH SIGNATURE-----"):
        detail = completed.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(f"ssh-keygen could not sign with '{args.key}' "
                         f"({approvals_mod.printable(detail[-1]) if detail else 'exit ' + str(completed.returncode)}); "
                         "check the key path and passphrase (ssh-agent works too)")
    try:
        parsed = sshsig.parse_armored(armored)
        parsed.verify(digest.encode("utf-8"), approvals_mod.NAMESPACE)
    except sshsig.SignatureError as e:
        raise UsageError(f"ssh-keygen wrote a signature Preflight cannot verify ({e}); use an "
                         f"ed25519, ecdsa or rsa key") from None
    _publish_exclusively(out, base, digest.encode("utf-8"))
    signature = _publish_exclusively(out, base + ".sig", armored)
    print(f"signed {digest.strip()}")
    print(f"wrote {signature} (key {parsed.public_key.fingerprint}); commit it to the approvals "
          "folder the gate reads")
    return 0


def _show_what_is_approved(assessment: Assessment) -> None:
    """Approvers must see what they sign: list it on stderr before signing."""
    a = assessment
    out: List[str] = [f"approving for stack {a.plan.project}/{a.plan.stack} ({a.environment.name}):"]
    if not a.gated and not a.mass_create:
        out.append("  nothing in this plan needs approval; signing anyway")
    for f in a.gated:
        out.append(f"  {f.kind} {a.plan.project}/{f.change.name} ({f.change.type}): {'; '.join(f.reasons)}")
    if a.mass_create:
        out.append(f"  {a.mass_create.text}")
    if a.protect_warning:
        out.append(f"warning: {a.protect_warning}")
    print("\n".join(plan_mod.escape(line) for line in out), file=sys.stderr)
