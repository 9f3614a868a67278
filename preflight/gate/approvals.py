"""The digest an approver signs, and counting approvals in a directory of signatures.

Digest line (what `preflight digest` prints and approvers sign, newline included):

    preflight-gate v1 project=P stack=S changes=N sha256=HEX

HEX = sha256 over "preflight-gate-digest v1", project, stack and the sorted destructive items that
need approval (kind + URN, downgraded properties with their new values, a mass-create marker).
The same changes give the same line whether read from `pulumi preview --json` or a saved plan;
any other change to what would be destroyed gives a different line, so an old approval stops
counting.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence

from ..errors import UsageError
from . import sshsig

NAMESPACE = "preflight"
DIGEST_PREFIX = "preflight-gate v1 "


def digest_line(project: str, stack: str, items: Iterable[str]) -> str:
    entries = sorted(set(items))
    material = "\n".join(["preflight-gate-digest v1", f"project={project}", f"stack={stack}", *entries])
    digest = hashlib.sha256(material.encode("utf-8") + b"\n").hexdigest()
    return f"{DIGEST_PREFIX}project={project} stack={stack} changes={len(entries)} sha256={digest}\n"


@dataclass
class Approval:
    file: str
    principal: str
    fingerprint: str

    def as_json(self) -> Dict[str, str]:
        return {"file": self.file, "principal": self.principal, "key": self.fingerprint}


@dataclass
class Rejection:
    file: str
    reason: str
    principal: Optional[str] = None
    fingerprint: Optional[str] = None

    def as_json(self) -> Dict[str, Optional[str]]:
        return {"file": self.file, "reason": self.reason, "principal": self.principal,
                "key": self.fingerprint}


@dataclass
class ApprovalCount:
    counted: List[Approval] = field(default_factory=list)
    rejected: List[Rejection] = field(default_factory=list)

    @property
    def principals(self) -> List[str]:
        return [a.principal for a in self.counted]


def load_signers(path: str) -> List[sshsig.AllowedSigner]:
    file = Path(path)
    if not file.is_file():
        raise UsageError(f"--signers '{path}' does not exist; pass an OpenSSH allowed_signers file "
                         "(one line per approver: `alice@example.com ssh-ed25519 AAAA...`)")
    try:
        signers = sshsig.parse_allowed_signers(file.read_text(encoding="utf-8"), source=path)
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"cannot read --signers '{path}' ({e}); check the file") from None
    except sshsig.SignersFileError as e:
        raise UsageError(f"{e}; fix the allowed_signers line") from None
    if not signers:
        raise UsageError(f"--signers '{path}' lists no approvers; add one line per approver "
                         "(`alice@example.com ssh-ed25519 AAAA...`)")
    return signers


def _what_was_signed(signature_file: Path, message: str) -> Optional[str]:
    """Approvers usually keep the signed file next to its .sig: say what it approved."""
    signed = signature_file.with_suffix("") if signature_file.suffix == ".sig" else None
    if signed is None or not signed.is_file():
        return None
    try:
        text = signed.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    if text == message:
        return "same"
    first = text.splitlines()[0] if text.splitlines() else ""
    if first.startswith(DIGEST_PREFIX):
        return f"it approves a different plan ({first.strip()})"
    return "it signs a file that is not this plan's digest line"


def count(approvals_dir: str, signers: Sequence[sshsig.AllowedSigner], message: str) -> ApprovalCount:
    """Verify every *.sig in approvals_dir against `message`; one approval per person and key."""
    directory = Path(approvals_dir)
    if not directory.is_dir():
        raise UsageError(f"--approvals '{approvals_dir}' is not a directory; pass the folder holding "
                         "the approvers' .sig files")
    result = ApprovalCount()
    used_principals, used_keys = set(), set()
    data = message.encode("utf-8")
    for path in sorted(directory.glob("*.sig")):
        name = path.name
        try:
            signature = sshsig.parse_armored(path.read_text(encoding="utf-8", errors="replace"))
        except (OSError, sshsig.SignatureError) as e:
            result.rejected.append(Rejection(name, f"unreadable signature: {e}"))
            continue
        fingerprint = signature.public_key.fingerprint
        listed = [s for s in signers if s.public_key.blob == signature.public_key.blob]
        who = listed[0].principal if listed else None
        verification = sshsig.verify_with_signers(signature, data, NAMESPACE, signers)
        if not verification.ok:
            if listed and verification.signer is None and verification.problems:
                reason = verification.error
            else:
                context = _what_was_signed(path, message)
                try:
                    signature.verify(data, NAMESPACE)
                    reason = None
                except sshsig.SignatureError as e:
                    if context and context != "same":
                        reason = context
                    elif "namespace" in str(e):
                        reason = str(e)
                    else:
                        reason = ("the signature does not match this plan's digest (it signs another "
                                  "plan, or the file was altered)" if context is None
                                  else "bad signature: the signed digest matches, the signature does not")
                if not listed:
                    unknown = f"signed by a key not in the allowed signers file ({fingerprint})"
                    reason = f"{unknown}; {reason}" if reason else unknown
            result.rejected.append(Rejection(name, reason or "invalid", who, fingerprint))
            continue
        signer = verification.signer
        assert signer is not None
        if signer.principals[0] in used_principals or any(p in used_principals for p in signer.principals):
            result.rejected.append(Rejection(name, f"{signer.principal} has already approved: one "
                                                   "approval per person counts", signer.principal, fingerprint))
            continue
        if signature.public_key.blob in used_keys:
            result.rejected.append(Rejection(name, "this key has already approved under another "
                                                   "name: one approval per key counts",
                                             signer.principal, fingerprint))
            continue
        used_principals.update(signer.principals)
        used_keys.add(signature.public_key.blob)
        result.counted.append(Approval(name, signer.principal, fingerprint))
    return result
