"""OpenSSH signatures (SSHSIG) and allowed_signers files, verified in pure Python.

Implements what `ssh-keygen -Y sign` writes and `ssh-keygen -Y verify` checks (OpenSSH
PROTOCOL.sshsig), so approvers need nothing but ssh-keygen and the gate needs no ssh binary:

    armored blob = "SSHSIG" || uint32 version(1) || string publickey || string namespace
                   || string reserved || string hash_algorithm || string signature
    signed data  = "SSHSIG" || string namespace || string reserved || string hash_algorithm
                   || string H(message)

Key types: ssh-ed25519, ecdsa-sha2-nistp256/384/521, ssh-rsa (signatures rsa-sha2-256/512 only;
SHA-1 `ssh-rsa` signatures are refused as OpenSSH does). Security-key (sk-*) keys and certificates
are reported as unsupported rather than accepted.
"""
from __future__ import annotations

import base64
import binascii
import datetime as _dt
import fnmatch
import hashlib
import struct
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

MAGIC = b"SSHSIG"
ARMOR_BEGIN = "-----BEGIN SSH SIGNATURE-----"
ARMOR_END = "-----END SSH SIGNATURE-----"
SUPPORTED_HASHES = {"sha256": hashlib.sha256, "sha512": hashlib.sha512}

_ECDSA_CURVES = {
    "ecdsa-sha2-nistp256": ("nistp256", ec.SECP256R1(), hashes.SHA256()),
    "ecdsa-sha2-nistp384": ("nistp384", ec.SECP384R1(), hashes.SHA384()),
    "ecdsa-sha2-nistp521": ("nistp521", ec.SECP521R1(), hashes.SHA512()),
}
_RSA_SIGNATURE_HASHES = {"rsa-sha2-256": hashes.SHA256(), "rsa-sha2-512": hashes.SHA512()}
KEY_TYPES = ("ssh-ed25519", "ssh-rsa", *_ECDSA_CURVES)


class SignatureError(Exception):
    """A signature that is malformed, for another namespace or message, or by an unusable key."""


class SignersFileError(Exception):
    """An allowed_signers file that cannot be read; the message names the line."""


# --- SSH wire encoding -------------------------------------------------------------------------

class _Reader:
    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise SignatureError("truncated SSH structure")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def uint32(self) -> int:
        return struct.unpack(">I", self.take(4))[0]

    def string(self) -> bytes:
        return self.take(self.uint32())

    def mpint(self) -> int:
        return int.from_bytes(self.string(), "big", signed=True)

    def done(self) -> bool:
        return self.pos == len(self.data)


def _ssh_string(value: bytes) -> bytes:
    return struct.pack(">I", len(value)) + value


# --- public keys ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class PublicKey:
    """An OpenSSH public key: its type and wire blob (what allowed_signers and signatures carry)."""

    key_type: str
    blob: bytes

    @classmethod
    def from_blob(cls, blob: bytes) -> "PublicKey":
        key_type = _Reader(blob).string().decode("ascii", "replace")
        return cls(key_type, blob)

    @property
    def fingerprint(self) -> str:
        """SHA256:... as `ssh-keygen -l` prints it."""
        digest = base64.b64encode(hashlib.sha256(self.blob).digest()).decode().rstrip("=")
        return f"SHA256:{digest}"

    def verify(self, signature: bytes, data: bytes) -> None:
        """Raise SignatureError unless `signature` (SSH signature encoding) signs `data`."""
        sig = _Reader(signature)
        sig_format = sig.string().decode("ascii", "replace")
        sig_blob = sig.string()
        key = _Reader(self.blob)
        key_type = key.string().decode("ascii", "replace")
        try:
            if key_type == "ssh-ed25519":
                if sig_format != "ssh-ed25519":
                    raise SignatureError(f"signature format {sig_format} does not match key type {key_type}")
                ed25519.Ed25519PublicKey.from_public_bytes(key.string()).verify(sig_blob, data)
            elif key_type in _ECDSA_CURVES:
                curve_name, curve, digest = _ECDSA_CURVES[key_type]
                if sig_format != key_type:
                    raise SignatureError(f"signature format {sig_format} does not match key type {key_type}")
                if key.string().decode("ascii", "replace") != curve_name:
                    raise SignatureError(f"{key_type} key names the wrong curve")
                public = ec.EllipticCurvePublicKey.from_encoded_point(curve, key.string())
                rs = _Reader(sig_blob)
                public.verify(encode_dss_signature(rs.mpint(), rs.mpint()), data, ec.ECDSA(digest))
            elif key_type == "ssh-rsa":
                if sig_format not in _RSA_SIGNATURE_HASHES:
                    raise SignatureError(f"RSA signature format {sig_format} is not accepted "
                                         "(use rsa-sha2-256 or rsa-sha2-512; ssh-keygen does by default)")
                exponent, modulus = key.mpint(), key.mpint()
                public = rsa.RSAPublicNumbers(exponent, modulus).public_key()
                public.verify(sig_blob, data, padding.PKCS1v15(), _RSA_SIGNATURE_HASHES[sig_format])
            else:
                raise SignatureError(f"key type {key_type} is not supported "
                                     f"(use one of {', '.join(KEY_TYPES)})")
        except InvalidSignature:
            raise SignatureError("the signature does not match the message") from None
        except (ValueError, TypeError) as e:
            raise SignatureError(f"unusable {key_type} key or signature: {e}") from None


# --- SSHSIG --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SshSignature:
    public_key: PublicKey
    namespace: str
    hash_algorithm: str
    signature: bytes
    reserved: bytes = b""

    def signed_data(self, message: bytes) -> bytes:
        digest = SUPPORTED_HASHES[self.hash_algorithm](message).digest()
        return (MAGIC + _ssh_string(self.namespace.encode()) + _ssh_string(self.reserved)
                + _ssh_string(self.hash_algorithm.encode()) + _ssh_string(digest))

    def verify(self, message: bytes, namespace: str) -> None:
        """Raise SignatureError unless this is a signature of `message` in `namespace`."""
        if self.namespace != namespace:
            raise SignatureError(f"signed for namespace '{self.namespace}', not '{namespace}' "
                                 f"(sign with `ssh-keygen -Y sign -n {namespace}`)")
        self.public_key.verify(self.signature, self.signed_data(message))


def parse_armored(text: str) -> SshSignature:
    """Parse `-----BEGIN SSH SIGNATURE-----` text as ssh-keygen writes it."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines or lines[0] != ARMOR_BEGIN or lines[-1] != ARMOR_END:
        raise SignatureError("not an SSH signature (expected the -----BEGIN SSH SIGNATURE----- "
                             "armor that `ssh-keygen -Y sign` writes)")
    try:
        blob = base64.b64decode("".join(lines[1:-1]), validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError("the SSH signature's base64 body is corrupt") from None
    return parse_blob(blob)


def parse_blob(blob: bytes) -> SshSignature:
    reader = _Reader(blob)
    if reader.take(len(MAGIC)) != MAGIC:
        raise SignatureError("not an SSHSIG signature (bad magic)")
    version = reader.uint32()
    if version != 1:
        raise SignatureError(f"SSHSIG version {version} is not supported (expected 1)")
    public_key = PublicKey.from_blob(reader.string())
    namespace = reader.string().decode("utf-8", "replace")
    reserved = reader.string()
    hash_algorithm = reader.string().decode("ascii", "replace")
    signature = reader.string()
    if not reader.done():
        raise SignatureError("trailing bytes after the SSH signature")
    if hash_algorithm not in SUPPORTED_HASHES:
        raise SignatureError(f"hash algorithm '{hash_algorithm}' is not supported (sha256, sha512)")
    return SshSignature(public_key, namespace, hash_algorithm, signature, reserved)


# --- allowed_signers -----------------------------------------------------------------------------

@dataclass(frozen=True)
class AllowedSigner:
    principals: Tuple[str, ...]
    public_key: PublicKey
    namespaces: Optional[Tuple[str, ...]] = None
    valid_after: Optional[_dt.datetime] = None
    valid_before: Optional[_dt.datetime] = None
    line: int = 0

    @property
    def principal(self) -> str:
        return ",".join(self.principals)

    def allows_namespace(self, namespace: str) -> bool:
        return self.namespaces is None or any(fnmatch.fnmatchcase(namespace, pattern)
                                              for pattern in self.namespaces)

    def valid_at(self, when: _dt.datetime) -> bool:
        if self.valid_after and when < self.valid_after:
            return False
        return not (self.valid_before and when >= self.valid_before)


def _split_fields(line: str) -> List[str]:
    """Whitespace-separated fields; double quotes group (options like namespaces="a,b c")."""
    fields, current, quoted, started = [], [], False, False
    for ch in line:
        if ch == '"':
            quoted = not quoted
            current.append(ch)
            started = True
        elif ch.isspace() and not quoted:
            if started:
                fields.append("".join(current))
                current, started = [], False
        else:
            current.append(ch)
            started = True
    if quoted:
        raise ValueError("unterminated quote")
    if started:
        fields.append("".join(current))
    return fields


def _split_options(text: str) -> Dict[str, Optional[str]]:
    options: Dict[str, Optional[str]] = {}
    parts, current, quoted = [], [], False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    parts.append("".join(current))
    for part in parts:
        name, _, value = part.partition("=")
        options[name.strip().lower()] = value.strip().strip('"') if _ else None
    return options


def _parse_time(value: str) -> _dt.datetime:
    """YYYYMMDD[HHMM[SS]][Z] as in sshd's authorized_keys; local time unless Z (as OpenSSH)."""
    utc = value.endswith(("Z", "z"))
    digits = value[:-1] if utc else value
    formats = {8: "%Y%m%d", 12: "%Y%m%d%H%M", 14: "%Y%m%d%H%M%S"}
    if len(digits) not in formats or not digits.isdigit():
        raise ValueError(f"bad time '{value}' (expected YYYYMMDD[HHMM[SS]][Z])")
    parsed = _dt.datetime.strptime(digits, formats[len(digits)])
    if utc:
        return parsed.replace(tzinfo=_dt.timezone.utc)
    return parsed.astimezone()  # naive -> local time zone, like OpenSSH


def parse_allowed_signers(text: str, source: str = "allowed_signers") -> List[AllowedSigner]:
    """Parse an OpenSSH allowed_signers file: `principals [options] keytype base64 [comment]`."""
    signers: List[AllowedSigner] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{source} line {number}"
        try:
            fields = _split_fields(line)
        except ValueError as e:
            raise SignersFileError(f"{where}: {e}") from None
        if len(fields) < 3:
            raise SignersFileError(f"{where}: expected 'principal[,principal] [options] key-type base64-key'")
        principals = tuple(p for p in fields[0].strip('"').split(",") if p)
        rest = fields[1:]
        options: Dict[str, Optional[str]] = {}
        if rest[0] not in KEY_TYPES and not rest[0].startswith(("sk-", "ssh-", "ecdsa-")):
            options = _split_options(rest[0])
            rest = rest[1:]
        if len(rest) < 2:
            raise SignersFileError(f"{where}: missing the key type and base64 key after the principal")
        key_type, key_b64 = rest[0], rest[1]
        if "cert-authority" in options:
            raise SignersFileError(f"{where}: cert-authority entries are not supported; list each "
                                   "approver's own public key")
        if key_type not in KEY_TYPES:
            raise SignersFileError(f"{where}: key type '{key_type}' is not supported "
                                   f"(use one of {', '.join(KEY_TYPES)})")
        try:
            blob = base64.b64decode(key_b64, validate=True)
            key = PublicKey.from_blob(blob)
        except (binascii.Error, ValueError, SignatureError):
            raise SignersFileError(f"{where}: the base64 public key is corrupt; paste the line "
                                   "from the approver's .pub file") from None
        if key.key_type != key_type:
            raise SignersFileError(f"{where}: the key is {key.key_type}, but the line says {key_type}")
        try:
            namespaces = tuple(n.strip() for n in options["namespaces"].split(",")) \
                if options.get("namespaces") else None
            after = _parse_time(options["valid-after"]) if options.get("valid-after") else None
            before = _parse_time(options["valid-before"]) if options.get("valid-before") else None
        except ValueError as e:
            raise SignersFileError(f"{where}: {e}") from None
        if not principals:
            raise SignersFileError(f"{where}: no principal before the key")
        signers.append(AllowedSigner(principals, key, namespaces, after, before, number))
    return signers


@dataclass
class Verification:
    """The result of checking one signature against allowed signers."""

    signer: Optional[AllowedSigner] = None
    error: Optional[str] = None
    fingerprint: Optional[str] = None
    problems: List[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.signer is not None and self.error is None


def verify_with_signers(signature: SshSignature, message: bytes, namespace: str,
                        signers: Sequence[AllowedSigner],
                        now: Optional[_dt.datetime] = None) -> Verification:
    """Verify like `ssh-keygen -Y verify`: the key must be listed, for this namespace, valid now."""
    now = now or _dt.datetime.now(_dt.timezone.utc)
    result = Verification(fingerprint=signature.public_key.fingerprint)
    try:
        signature.verify(message, namespace)
    except SignatureError as e:
        result.error = str(e)
        return result
    listed = [s for s in signers if s.public_key.blob == signature.public_key.blob]
    if not listed:
        result.error = (f"signed by {signature.public_key.key_type} key {result.fingerprint}, "
                        "which is not in the allowed signers file")
        return result
    for signer in listed:
        if not signer.allows_namespace(namespace):
            result.problems.append(f"line {signer.line}: namespaces= does not include '{namespace}'")
        elif not signer.valid_at(now):
            result.problems.append(f"line {signer.line}: outside valid-after/valid-before")
        else:
            result.signer = signer
            return result
    result.error = f"key {result.fingerprint} is listed but not usable: " + "; ".join(result.problems)
    return result
