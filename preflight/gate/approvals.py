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
import os
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional

from ..errors import UsageError
from . import sshsig

NAMESPACE = "preflight"
DIGEST_PREFIX = "preflight-gate v1 "
MAX_SIGNATURE_BYTES = 64 * 1024      # an RSA-16384 signature is under 6 KiB of armor
MAX_SIGNERS_BYTES = 4 * 1024 * 1024


class UnsafeFile(Exception):
    """A file the gate will not read: a link, a FIFO, a device, too large, unreadable."""


def printable(text: str) -> str:
    """Names from signer files, approvals folders and signatures, safe for a terminal: control
    characters (and bidi overrides) are shown escaped, never sent raw."""
    out = []
    for ch in text:
        code = ord(ch)
        if code < 0x20 or 0x7f <= code < 0xa0 or 0x202a <= code <= 0x202e or 0x2066 <= code <= 0x2069:
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        elif ch == "\\":
            out.append("\\\\")
        else:
            out.append(ch)
    return "".join(out)


def read_regular_file(name: str, limit: int, dir_fd: Optional[int] = None, follow: bool = False) -> bytes:
    """Read a regular file of at most `limit` bytes without blocking on FIFOs or devices.

    With follow=False a symbolic link is refused (O_NOFOLLOW), so nothing outside the approvals
    folder is read through a planted link."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    if not follow:
        flags |= os.O_NOFOLLOW
    try:
        fd = os.open(name, flags, dir_fd=dir_fd)
    except OSError as e:
        if not follow and os.path.islink(name if dir_fd is None else f"/proc/self/fd/{dir_fd}/{name}"):
            raise UnsafeFile("it is a symbolic link; put the .sig file itself in the folder") from None
        raise UnsafeFile(f"cannot open it ({e.strerror or e})") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UnsafeFile("it is not a regular file (a FIFO, device or folder)")
        if st.st_size > limit:
            raise UnsafeFile(f"it is {st.st_size} bytes, more than the {limit} an approval can be")
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise UnsafeFile(f"it grew past {limit} bytes while being read")
        return b"".join(chunks)
    except OSError as e:
        raise UnsafeFile(f"cannot read it ({e.strerror or e})") from None
    finally:
        os.close(fd)


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

    def __post_init__(self) -> None:
        self.file, self.principal = printable(self.file), printable(self.principal)

    def as_json(self) -> Dict[str, str]:
        return {"file": self.file, "principal": self.principal, "key": self.fingerprint}


@dataclass
class Rejection:
    file: str
    reason: str
    principal: Optional[str] = None
    fingerprint: Optional[str] = None

    def __post_init__(self) -> None:
        self.file, self.reason = printable(self.file), printable(self.reason)
        self.principal = printable(self.principal) if self.principal is not None else None

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


def load_signers(path: str) -> sshsig.AllowedSigners:
    shown = printable(path)
    if not os.path.exists(path):
        raise UsageError(f"--signers '{shown}' does not exist; pass an OpenSSH allowed_signers file "
                         "(one line per approver: `alice@example.com ssh-ed25519 AAAA...`)")
    try:
        data = read_regular_file(path, MAX_SIGNERS_BYTES, follow=True)
    except UnsafeFile as e:
        raise UsageError(f"cannot read --signers '{shown}': {e}; pass the allowed_signers file") from None
    signers = sshsig.AllowedSigners.parse(data, source=path)
    if not signers.usable():
        problems = "; ".join(printable(p) for p in signers.problems[:3])
        raise UsageError(f"--signers '{shown}' lists no usable approver"
                         + (f" ({problems})" if problems else "")
                         + "; add one line per approver (`alice@example.com ssh-ed25519 AAAA...`)")
    return signers


SIGNER_LINE_FIX = ("fix the line to `principal ssh-ed25519 AAAA...` (the principal, then the approver's "
                   "whole .pub line) or delete it")


def signer_warnings(signers: sshsig.AllowedSigners, now: Optional[int] = None) -> List[str]:
    """Every allowed_signers line that can never count an approval, why, and the fix: lines
    OpenSSH ignores, cert-authority lines, namespaces= without `preflight`, expired or not yet
    valid lines. Names the principals and the key by fingerprint, never the key itself."""
    now = int(time.time()) if now is None else now
    out: List[str] = []
    for line in signers.lines:
        who = []
        if line.principals:
            who.append(f"principal {printable(line.principals[:80])}")
        if line.public_key is not None:
            who.append(f"key {line.public_key.fingerprint}")
        where = f"{printable(signers.source)} line {line.number}" + (f" ({', '.join(who)})" if who else "")
        if line.error:
            problem = (f"{printable(line.error)}; OpenSSH ignores this line, so approvals by this key do "
                       f"not count; {SIGNER_LINE_FIX}")
        elif line.options.cert_authority:
            problem = ("a cert-authority line vouches only for certificates, which Preflight does not "
                       "accept, so no approval counts through it; list each approver's own key instead")
        elif line.options.namespaces is not None and \
                sshsig.match_pattern_list(NAMESPACE, line.options.namespaces) != 1:
            problem = (f"namespaces=\"{printable(line.options.namespaces[:80])}\" does not include "
                       f"'{NAMESPACE}', so approvals by this key do not count; add {NAMESPACE} to the "
                       "namespaces option or remove the option")
        elif line.options.valid_before and now > line.options.valid_before:
            problem = ("the line has expired (valid-before is in the past), so approvals by this key do "
                       "not count; renew valid-before or remove it")
        elif line.options.valid_after and now < line.options.valid_after:
            problem = ("the line is not valid yet (valid-after is in the future), so approvals by this "
                       "key do not count until then; correct valid-after if that is a mistake")
        else:
            continue
        out.append(f"{where}: {problem}")
    return out


def _what_was_signed(signature_file: Path, message: str, dir_fd: int) -> Optional[str]:
    """Approvers usually keep the signed file next to its .sig: say what it approved."""
    signed = signature_file.with_suffix("") if signature_file.suffix == ".sig" else None
    if signed is None:
        return None
    try:
        text = read_regular_file(signed.name, MAX_SIGNATURE_BYTES, dir_fd=dir_fd).decode("utf-8", "replace")
    except UnsafeFile:
        return None
    if text == message:
        return "same"
    first = text.splitlines()[0] if text.splitlines() else ""
    if first.startswith(DIGEST_PREFIX):
        return f"it approves a different plan ({first.strip()})"
    return "it signs a file that is not this plan's digest line"


def _signature_files(directory: str) -> List[str]:
    try:
        with os.scandir(directory) as entries:
            return sorted(e.name for e in entries if e.name.endswith(".sig"))
    except OSError as e:
        raise UsageError(f"cannot list --approvals '{printable(directory)}' ({e.strerror or e}); "
                         "pass the folder holding the approvers' .sig files") from None


def count(approvals_dir: str, signers: sshsig.AllowedSigners, message: str,
          now: Optional[int] = None) -> ApprovalCount:
    """Verify every *.sig in approvals_dir against `message`; one approval per person and key.

    A signature counts for principal P exactly when `ssh-keygen -Y verify -f SIGNERS -I P -n
    preflight -s FILE < digest` accepts it, P being a principal name written next to the signing
    key in the allowed_signers file. Only regular files directly in the folder are read (no
    links, FIFOs or devices; at most MAX_SIGNATURE_BYTES each)."""
    if not os.path.isdir(approvals_dir):
        raise UsageError(f"--approvals '{printable(approvals_dir)}' is not a directory; pass the folder "
                         "holding the approvers' .sig files")
    result = ApprovalCount()
    used_principals, used_keys = set(), set()
    data = message.encode("utf-8")
    try:
        dir_fd = os.open(approvals_dir, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError as e:
        raise UsageError(f"cannot open --approvals '{printable(approvals_dir)}' ({e.strerror or e})") from None
    try:
        for name in _signature_files(approvals_dir):
            try:
                raw = read_regular_file(name, MAX_SIGNATURE_BYTES, dir_fd=dir_fd)
            except UnsafeFile as e:
                result.rejected.append(Rejection(name, f"not read: {e}"))
                continue
            try:
                signature = sshsig.parse_armored(raw)
            except sshsig.SignatureError as e:
                result.rejected.append(Rejection(name, f"unreadable signature: {e}"))
                continue
            key = signature.public_key
            fingerprint = key.fingerprint
            candidates = signers.candidates(key)
            who = candidates[0] if candidates else None
            try:
                signature.verify(data, NAMESPACE)
            except sshsig.SignatureError as e:
                context = _what_was_signed(Path(approvals_dir) / name, message, dir_fd)
                if context and context != "same":
                    reason = context
                elif "namespace" in str(e):
                    reason = str(e)
                elif context is None:
                    reason = ("the signature does not match this plan's digest (it signs another "
                              "plan, or the file was altered)")
                else:
                    reason = "bad signature: the signed digest matches, the signature does not"
                if not candidates:
                    reason = f"signed by a key not in the allowed signers file ({fingerprint}); {reason}"
                result.rejected.append(Rejection(name, reason, who, fingerprint))
                continue
            if not candidates:
                on_ca_line = any(line.public_key is not None and line.public_key.blob == key.blob
                                 and line.options.cert_authority for line in signers.lines if not line.error)
                reason = (f"key {fingerprint} is listed only as a cert-authority, which vouches for "
                          "certificates, not for signatures by the key itself; list the approver's own key"
                          if on_ca_line else
                          f"signed by {key.key_type} key {fingerprint}, which is not in the allowed "
                          "signers file (or only on lines OpenSSH refuses)")
                result.rejected.append(Rejection(name, reason, None, fingerprint))
                continue
            verified, problems = [], []
            for principal in candidates:
                problem = signers.check(key, principal, NAMESPACE, now)
                if problem is None:
                    verified.append(principal)
                else:
                    problems.append(f"as {principal}: {problem}")
            if not verified:
                result.rejected.append(Rejection(
                    name, f"key {fingerprint} is listed but not usable: " + "; ".join(problems),
                    who, fingerprint))
                continue
            if any(p in used_principals for p in verified):
                result.rejected.append(Rejection(name, f"{verified[0]} has already approved: one "
                                                       "approval per person counts", verified[0], fingerprint))
                continue
            if key.blob in used_keys:
                result.rejected.append(Rejection(name, "this key has already approved under another "
                                                       "name: one approval per key counts",
                                                 verified[0], fingerprint))
                continue
            used_principals.update(verified)
            used_keys.add(key.blob)
            result.counted.append(Approval(name, verified[0], fingerprint))
    finally:
        os.close(dir_fd)
    return result
