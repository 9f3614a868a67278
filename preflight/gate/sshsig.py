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
import calendar
import hashlib
import struct
import time
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

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
        if not sig.done():
            raise SignatureError("trailing bytes after the signature")
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
                r, s_ = rs.mpint(), rs.mpint()
                if r <= 0 or s_ <= 0 or not rs.done():
                    raise SignatureError("malformed ECDSA signature")
                public.verify(encode_dss_signature(r, s_), data, ec.ECDSA(digest))
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
        return (MAGIC + _ssh_string(self.namespace.encode()) + _ssh_string(b"")
                + _ssh_string(self.hash_algorithm.encode()) + _ssh_string(digest))

    def verify(self, message: bytes, namespace: str) -> None:
        """Raise SignatureError unless this is a signature of `message` in `namespace`."""
        if self.namespace != namespace:
            raise SignatureError(f"signed for namespace '{self.namespace}', not '{namespace}' "
                                 f"(sign with `ssh-keygen -Y sign -n {namespace}`)")
        self.public_key.verify(self.signature, self.signed_data(message))


def parse_armored(text) -> SshSignature:
    """Parse a signature file as ssh-keygen's sshsig_dearmor() does: the header at the very
    start followed by a newline, everything up to the first "\n-----END SSH SIGNATURE-----"
    is base64 (whitespace ignored), anything after the footer is ignored."""
    data = text.encode("latin-1", "replace") if isinstance(text, str) else bytes(text)
    header = ARMOR_BEGIN.encode()
    if not data.startswith(header):
        raise SignatureError("not an SSH signature (expected the -----BEGIN SSH SIGNATURE----- "
                             "armor that `ssh-keygen -Y sign` writes)")
    rest = data[len(header):]
    if rest.startswith(b"\n"):  # OpenSSH 9.2 takes no CR here
        rest = rest[1:]
    else:
        raise SignatureError("not an SSH signature (no line break after the armor header)")
    end = rest.find(b"\n" + ARMOR_END.encode())
    if end < 0:
        raise SignatureError("not an SSH signature (the -----END SSH SIGNATURE----- line is missing)")
    body = rest[:end]
    if b"\x00" in body:
        raise SignatureError("the SSH signature's base64 body is corrupt")
    blob = _b64_pton(body.decode("latin-1"))
    if blob is None:
        raise SignatureError("the SSH signature's base64 body is corrupt")
    return parse_blob(blob)


def _cstring(reader: "_Reader") -> str:
    value = reader.string()
    if b"\x00" in value:
        raise SignatureError("malformed SSH signature (NUL in a string)")
    return value.decode("utf-8", "replace")


def parse_blob(blob: bytes) -> SshSignature:
    reader = _Reader(blob)
    if reader.take(len(MAGIC)) != MAGIC:
        raise SignatureError("not an SSHSIG signature (bad magic)")
    version = reader.uint32()
    if version > 1:
        raise SignatureError(f"SSHSIG version {version} is not supported (expected 1)")
    key_blob = reader.string()
    key = _key_from_blob(key_blob)
    if key is None:
        key_type = PublicKey.from_blob(key_blob).key_type
        raise SignatureError(f"signed with a {key_type} key, which is not supported "
                             f"(use one of {', '.join(KEY_TYPES)}; certificates are not accepted)")
    namespace = _cstring(reader)
    reserved = reader.string()
    hash_algorithm = _cstring(reader)
    signature = reader.string()
    if not reader.done():
        raise SignatureError("trailing bytes after the SSH signature")
    if hash_algorithm not in SUPPORTED_HASHES:
        raise SignatureError(f"hash algorithm '{hash_algorithm}' is not supported (sha256, sha512)")
    return SshSignature(key, namespace, hash_algorithm, signature, reserved)


# --- allowed_signers, read exactly as OpenSSH's `ssh-keygen -Y verify` reads it ----------------
#
# OpenSSH (sshsig.c, misc.c, match.c, sshkey.c): for `-Y verify -I PRINCIPAL -n NS` it reads the
# file line by line and stops at the first line that accepts the signature. A line is
#   principals [options] keytype base64 [comment]
# and it accepts when: PRINCIPAL matches the principals pattern-list (match_pattern_list: `*`,
# `?`, `!negation`, comma-separated, case-sensitive), the key parses, the options parse
# (cert-authority, namespaces="...", valid-after="...", valid-before="..."; names
# case-insensitive, values must be quoted, anything else rejects the line), the line is not
# cert-authority (that only matches certificate signatures), the key equals the signing key, NS
# matches namespaces=, and the verify time lies in [valid-after, valid-before]. A line OpenSSH
# refuses is skipped, never half-read: it cannot count here either.

_WS = " \t\r\n"
# sshkey_type_from_name(): full names, and case-insensitive short names of plain keys.
_TYPE_NAMES = {"ssh-ed25519": "ed25519", "ssh-rsa": "rsa", "rsa-sha2-256": "rsa", "rsa-sha2-512": "rsa",
               "ecdsa-sha2-nistp256": "ecdsa", "ecdsa-sha2-nistp384": "ecdsa", "ecdsa-sha2-nistp521": "ecdsa",
               "ssh-dss": "dsa", "sk-ecdsa-sha2-nistp256@openssh.com": "ecdsa-sk",
               "sk-ssh-ed25519@openssh.com": "ed25519-sk"}
_SHORT_NAMES = {"ed25519": "ed25519", "rsa": "rsa", "ecdsa": "ecdsa", "dsa": "dsa",
                "ecdsa-sk": "ecdsa-sk", "ed25519-sk": "ed25519-sk"}
_CERT_SUFFIX = "-cert-v01@openssh.com"
_BLOB_TYPES = {"ssh-ed25519": "ed25519", "ssh-rsa": "rsa", "ecdsa-sha2-nistp256": "ecdsa",
               "ecdsa-sha2-nistp384": "ecdsa", "ecdsa-sha2-nistp521": "ecdsa"}
_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def match_pattern(string: str, pattern: str) -> bool:
    """OpenSSH match_pattern(): `*` and `?` wildcards, everything else literal."""
    if not pattern:
        return not string
    if pattern[0] == "*":
        rest = pattern.lstrip("*")
        if not rest:
            return True
        return any(match_pattern(string[i:], rest) for i in range(len(string) + 1))
    if not string:
        return False
    if pattern[0] != "?" and pattern[0] != string[0]:
        return False
    return match_pattern(string[1:], pattern[1:])


def match_pattern_list(string: str, patterns: str) -> int:
    """OpenSSH match_pattern_list(dolower=0): 1 positive match, -1 negated match, 0 none."""
    got_positive, i, length = 0, 0, len(patterns)
    while i < length:
        negated = patterns[i] == "!"
        if negated:
            i += 1
        end = patterns.find(",", i)
        end = length if end < 0 else end
        sub = patterns[i:end]
        if len(sub) >= 1023:
            return 0
        i = end + 1 if end < length else end
        if match_pattern(string, sub):
            if negated:
                return -1
            got_positive = 1
    return got_positive


def _strdelimw(text: str) -> Tuple[Optional[str], Optional[str]]:
    """OpenSSH strdelimw(): the first whitespace-delimited token (a leading double quote groups)."""
    idx = next((i for i, ch in enumerate(text) if ch in _WS or ch == '"'), None)
    if idx is None:
        return text, None
    if text[idx] == '"':
        text = text[:idx] + text[idx + 1:]
        close = text.find('"', idx)
        if close < 0:
            return None, None
        return text[:close], text[close + 1:].lstrip(_WS)
    return text[:idx], text[idx + 1:].lstrip(_WS)


def _b64_pton(text: str) -> Optional[bytes]:
    """OpenSSH's b64_pton(): whitespace skipped, padding required, unused bits must be zero."""
    bits, nbits, out, pad = 0, 0, bytearray(), 0
    for ch in text:
        if ch.isspace() and ch in " \t\n\v\f\r":
            continue
        if ch == "=":
            pad += 1
            continue
        if pad or ch not in _B64:
            return None
        bits = (bits << 6) | _B64.index(ch)
        nbits += 6
        if nbits >= 8:
            nbits -= 8
            out.append((bits >> nbits) & 0xFF)
            bits &= (1 << nbits) - 1
    symbols = len([c for c in text if c in _B64])
    if pad:
        if symbols % 4 not in (2, 3) or pad != 4 - symbols % 4:
            return None
    elif symbols % 4:
        return None
    if bits:  # leftover bits must be zero
        return None
    return bytes(out)


def _key_from_blob(blob: bytes) -> Optional["PublicKey"]:
    """A plain public key OpenSSH would accept, or None."""
    try:
        reader = _Reader(blob)
        key_type = reader.string().decode("ascii")
        if key_type == "ssh-ed25519":
            if len(reader.string()) != 32:
                return None
        elif key_type in _ECDSA_CURVES:
            curve_name, curve, _ = _ECDSA_CURVES[key_type]
            if reader.string().decode("ascii") != curve_name:
                return None
            ec.EllipticCurvePublicKey.from_encoded_point(curve, reader.string())
        elif key_type == "ssh-rsa":
            e, n = reader.mpint(), reader.mpint()
            if e <= 0 or n <= 0 or n.bit_length() < 1024:
                return None
        else:
            return None
        if not reader.done():
            return None
    except (SignatureError, ValueError, UnicodeDecodeError):
        return None
    return PublicKey(key_type, blob)


def _sshkey_read(text: str) -> Tuple[Optional["PublicKey"], str]:
    """OpenSSH sshkey_read(): `keytype base64`, the type must name the blob's type."""
    space = next((i for i, ch in enumerate(text) if ch in " \t"), len(text))
    if space == len(text):
        return None, text
    name = text[:space]
    family = _TYPE_NAMES.get(name) or (_SHORT_NAMES.get(name.lower()) if not name.endswith(_CERT_SUFFIX) else None)
    rest = text[space:].lstrip(" \t")
    if family is None or not rest:
        return None, text
    end = next((i for i, ch in enumerate(rest) if ch in " \t"), len(rest))
    blob = _b64_pton(rest[:end])
    key = _key_from_blob(blob) if blob else None
    if key is None or _BLOB_TYPES[key.key_type] != family:
        return None, text
    if family == "ecdsa" and name != key.key_type:  # the curve comes from the full name only
        return None, text
    return key, rest[end:].lstrip(" \t")


def _advance_past_options(text: str) -> Optional[int]:
    quoted, i = False, 0
    while i < len(text) and (quoted or text[i] not in " \t"):
        if text[i] == "\\" and i + 1 < len(text) and text[i + 1] == '"':
            i += 1
        elif text[i] == '"':
            quoted = not quoted
        i += 1
    return None if (i == len(text) and quoted) else i


def _dequote(text: str) -> Tuple[str, str]:
    if not text.startswith('"'):
        raise ValueError("missing start quote (option values must be in double quotes)")
    out, i = [], 1
    while i < len(text) and text[i] != '"':
        if text[i] == "\\" and i + 1 < len(text) and text[i + 1] == '"':
            i += 1
        out.append(text[i])
        i += 1
    if i >= len(text):
        raise ValueError("missing end quote")
    return "".join(out), text[i + 1:]


def _glibc_number(text: str, pos: int, low: int, high: int, digits: int) -> Tuple[int, int]:
    while pos < len(text) and text[pos] in " \t\n\v\f\r":
        pos += 1
    if pos >= len(text) or not "0" <= text[pos] <= "9":
        raise ValueError
    value = 0
    while True:
        value = value * 10 + ord(text[pos]) - 48
        pos += 1
        digits -= 1
        if not (digits > 0 and value * 10 <= high and pos < len(text) and "0" <= text[pos] <= "9"):
            break
    if not low <= value <= high:
        raise ValueError
    return value, pos


def parse_absolute_time(value: str) -> int:
    """OpenSSH parse_absolute_time(): YYYYMMDD[HHMM[SS]] with an optional Z or UTC suffix (UTC),
    else local time; read through strptime() as glibc does. Returns seconds since the epoch."""
    utc, length = False, len(value)
    if length > 1 and value[-1] in "Zz":
        utc, length = True, length - 1
    elif length > 3 and value[-3:].upper() == "UTC":
        utc, length = True, length - 3
    v = value
    if length == 8:
        text, fields = f"{v[0:4]}-{v[4:6]}-{v[6:8]}", 3
    elif length == 12:
        text, fields = f"{v[0:4]}-{v[4:6]}-{v[6:8]}T{v[8:10]}:{v[10:12]}", 5
    elif length == 14:
        text, fields = f"{v[0:4]}-{v[4:6]}-{v[6:8]}T{v[8:10]}:{v[10:12]}:{v[12:14]}", 6
    else:
        raise ValueError(f"bad time '{value}' (expected YYYYMMDD[HHMM[SS]][Z])")
    specs = [(0, 9999, 4), (1, 12, 2), (1, 31, 2), (0, 23, 2), (0, 59, 2), (0, 61, 2)][:fields]
    separators = ["-", "-", "T", ":", ":"]
    parts, pos = [], 0
    try:
        for index, (low, high, digits) in enumerate(specs):
            number, pos = _glibc_number(text, pos, low, high, digits)
            parts.append(number)
            if index < fields - 1:
                if pos >= len(text) or text[pos] != separators[index]:
                    raise ValueError
                pos += 1
        if pos != len(text):
            raise ValueError
    except ValueError:
        raise ValueError(f"bad time '{value}' (expected YYYYMMDD[HHMM[SS]][Z])") from None
    parts += [0] * (6 - len(parts))
    year, month, day, hour, minute, second = parts
    try:
        if utc:
            if year < 1:
                raise OverflowError
            seconds = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))
        else:
            seconds = int(time.mktime((year, month, day, hour, minute, second, 0, 0, 0)))
    except (OverflowError, ValueError):
        raise ValueError(f"bad time '{value}'") from None
    if seconds < 0:
        raise ValueError(f"bad time '{value}' (before 1970)")
    return seconds


@dataclass(frozen=True)
class SignerOptions:
    cert_authority: bool = False
    namespaces: Optional[str] = None
    valid_after: int = 0
    valid_before: int = 0


def parse_options(text: str) -> SignerOptions:
    """OpenSSH sshsigopt_parse(); raises ValueError naming the problem."""
    ca, namespaces, after, before = False, None, 0, 0
    rest = text
    while rest and rest[0] not in " \t":
        lower = rest.lower()
        if lower.startswith("cert-authority"):
            ca, rest = True, rest[len("cert-authority"):]
        elif lower.startswith("namespaces="):
            if namespaces is not None:
                raise ValueError('multiple "namespaces" clauses')
            namespaces, rest = _dequote(rest[len("namespaces="):])
        elif lower.startswith("valid-after="):
            if after:
                raise ValueError('multiple "valid-after" clauses')
            value, rest = _dequote(rest[len("valid-after="):])
            after = parse_absolute_time(value)
            if after == 0:
                raise ValueError('invalid "valid-after" time')
        elif lower.startswith("valid-before="):
            if before:
                raise ValueError('multiple "valid-before" clauses')
            value, rest = _dequote(rest[len("valid-before="):])
            before = parse_absolute_time(value)
            if before == 0:
                raise ValueError('invalid "valid-before" time')
        if not rest or rest[0] in " \t":
            break
        if rest[0] != ",":
            name = rest.split(",", 1)[0].split("=", 1)[0]
            raise ValueError(f"unknown option '{name}' (OpenSSH knows cert-authority, namespaces=, "
                             "valid-after=, valid-before=)")
        rest = rest[1:]
        if not rest:
            raise ValueError("unexpected end of options")
    if after and before and before <= after:
        raise ValueError('"valid-before" time is not after "valid-after"')
    return SignerOptions(ca, namespaces, after, before)


@dataclass(frozen=True)
class SignerLine:
    """One allowed_signers line as OpenSSH reads it (`error` set when OpenSSH refuses it)."""

    number: int
    principals: str
    public_key: Optional[PublicKey] = None
    options: SignerOptions = SignerOptions()
    error: Optional[str] = None

    @property
    def names(self) -> List[str]:
        """The principal names written on the line (negations excluded)."""
        return [p for p in self.principals.split(",") if p and not p.startswith("!")]


def _parse_line(number: int, raw: str) -> Optional[SignerLine]:
    line = raw.split("\x00", 1)[0]
    cp = line.lstrip(" \t\r\n")
    if not cp or cp.startswith("#"):
        return None
    principals, cp = _strdelimw(cp)
    if principals is None or cp is None:
        return SignerLine(number, principals or "", error="expected 'principals [options] key-type base64-key'")
    key, _ = _sshkey_read(cp)
    options_text = ""
    if key is None:
        end = _advance_past_options(cp)
        if end is None:
            return SignerLine(number, principals, error="unterminated quote in the options")
        if end >= len(cp):
            return SignerLine(number, principals, error="missing the key type and base64 key")
        options_text, rest = cp[:end], cp[end + 1:].lstrip(" \t")
        key, _ = _sshkey_read(rest)
        if key is None:
            return SignerLine(number, principals, error="the key is not a usable OpenSSH public key "
                              f"(supported: {', '.join(KEY_TYPES)}); paste the approver's .pub line")
    try:
        options = parse_options(options_text)
    except ValueError as e:
        return SignerLine(number, principals, key, error=f"bad options: {e}")
    return SignerLine(number, principals, key, options)


class AllowedSigners:
    """An allowed_signers file, read as `ssh-keygen -Y verify` reads it."""

    def __init__(self, lines: Sequence[SignerLine], source: str = "allowed_signers"):
        self.lines = list(lines)
        self.source = source

    @classmethod
    def parse(cls, data, source: str = "allowed_signers") -> "AllowedSigners":
        text = data.decode("latin-1") if isinstance(data, (bytes, bytearray)) else data
        lines = []
        for number, raw in enumerate(text.split("\n"), start=1):
            parsed = _parse_line(number, raw)
            if parsed is not None:
                lines.append(parsed)
        return cls(lines, source)

    @property
    def problems(self) -> List[str]:
        out = [f"{self.source} line {line.number}: {line.error}; OpenSSH ignores this line"
               for line in self.lines if line.error]
        out += [f"{self.source} line {line.number}: cert-authority lines only vouch for certificates, "
                "which Preflight does not accept; list each approver's own key" for line in self.lines
                if not line.error and line.options.cert_authority]
        return out

    def usable(self) -> bool:
        return any(not line.error and not line.options.cert_authority for line in self.lines)

    def candidates(self, key: PublicKey) -> List[str]:
        """Principal names written next to this key (the names an approval can count for)."""
        names: List[str] = []
        for line in self.lines:
            if line.error is None and line.public_key is not None and line.public_key.blob == key.blob \
                    and not line.options.cert_authority:
                names += [n for n in line.names if n not in names]
        return names

    def check(self, key: PublicKey, principal: str, namespace: str, now: Optional[int] = None) -> Optional[str]:
        """None when `ssh-keygen -Y verify -I principal -n namespace` accepts `key`, else why not."""
        now = int(time.time()) if now is None else now
        reasons: List[str] = []
        for line in self.lines:
            if match_pattern_list(principal, line.principals) != 1:
                continue
            where = f"line {line.number}"
            if line.error:
                if line.public_key is None or line.public_key.blob == key.blob:
                    reasons.append(f"{where}: {line.error}")
                continue
            if line.public_key is None or line.public_key.blob != key.blob:
                continue
            if line.options.cert_authority:
                reasons.append(f"{where}: cert-authority lines only match certificates, not keys")
                continue
            if line.options.namespaces is not None and \
                    match_pattern_list(namespace, line.options.namespaces) != 1:
                reasons.append(f"{where}: namespaces=\"{line.options.namespaces}\" does not allow '{namespace}'")
                continue
            if line.options.valid_after and now < line.options.valid_after:
                reasons.append(f"{where}: not valid yet (valid-after)")
                continue
            if line.options.valid_before and now > line.options.valid_before:
                reasons.append(f"{where}: expired (valid-before)")
                continue
            return None
        return "; ".join(reasons) or f"no line of {self.source} lists this key for '{principal}'"

    def verify(self, signature_file: bytes, message: bytes, principal: str, namespace: str,
               now: Optional[int] = None) -> Optional[str]:
        """The whole of `ssh-keygen -Y verify -f FILE -I principal -n namespace -s SIG < message`:
        None when it would exit 0, else the reason."""
        try:
            signature = parse_armored(signature_file)
            signature.verify(message, namespace)
        except SignatureError as e:
            return str(e)
        return self.check(signature.public_key, principal, namespace, now)
