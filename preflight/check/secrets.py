"""Passphrase-encrypted stack secrets, decrypted exactly as the Pulumi CLI does.

Pulumi's passphrase secrets manager (`sdk/go/common/resource/config/crypt.go`,
`pkg/secrets/passphrase/manager.go`):
- `encryptionsalt: v1:<base64 8-byte salt>:v1:<base64 nonce>:<base64 ciphertext+tag of "pulumi">`;
- key = PBKDF2-HMAC-SHA256(passphrase, salt, 1,000,000 iterations, 32 bytes);
- a `secure:` value is `v1:<base64 12-byte nonce>:<base64 AES-256-GCM ciphertext+tag>`, no associated
  data, plaintext = the raw config string;
- the passphrase is PULUMI_CONFIG_PASSPHRASE if set (even to ""), else the trimmed contents of
  PULUMI_CONFIG_PASSPHRASE_FILE; it is right when the check value decrypts to "pulumi".
"""
from __future__ import annotations

import base64
import binascii
import os
from typing import Mapping, Optional

from ..errors import UsageError

ITERATIONS = 1_000_000


class DecryptError(Exception):
    pass


def passphrase_from_env(env: Mapping[str, str]) -> Optional[str]:
    if "PULUMI_CONFIG_PASSPHRASE" in env:
        return env["PULUMI_CONFIG_PASSPHRASE"]
    path = env.get("PULUMI_CONFIG_PASSPHRASE_FILE")
    if path:
        try:
            with open(path, encoding="utf-8") as f:
                return f.read().strip()
        except OSError as e:
            raise UsageError(f"cannot read PULUMI_CONFIG_PASSPHRASE_FILE {path}: {e.strerror}; point it at the file "
                             f"that holds the stack's passphrase") from None
    return None


def _b64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise DecryptError("bad base64") from None


def _decrypt(key: bytes, value: str) -> bytes:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    parts = value.split(":")
    if len(parts) != 3:
        raise DecryptError("bad value")
    if parts[0] != "v1":
        raise DecryptError("unknown value version")
    nonce, ciphertext = _b64(parts[1]), _b64(parts[2])
    if len(nonce) != 12:
        raise DecryptError("nonce size is incorrect")
    try:
        return AESGCM(key).decrypt(nonce, ciphertext, None)
    except InvalidTag:
        raise DecryptError("message authentication failed") from None


class PassphraseCrypter:
    def __init__(self, key: bytes):
        self._key = key

    @classmethod
    def from_state(cls, passphrase: str, state: str, stack_file: str) -> "PassphraseCrypter":
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
        parts = str(state).split(":", 2)
        if len(parts) != 3 or parts[0] != "v1":
            raise UsageError(f"{stack_file}: encryptionsalt {str(state)[:12]!r}... is not a Pulumi passphrase salt "
                             f"(expected v1:<salt>:v1:...); restore it from version control")
        try:
            salt = _b64(parts[1])
        except DecryptError:
            raise UsageError(f"{stack_file}: encryptionsalt has a salt that is not base64; restore it from version "
                             f"control") from None
        key = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=salt, iterations=ITERATIONS).derive(
            passphrase.encode("utf-8"))
        try:
            check = _decrypt(key, parts[2])
        except DecryptError:
            check = b""
        if check != b"pulumi":
            raise UsageError(f"incorrect passphrase for {os.path.basename(stack_file)}: PULUMI_CONFIG_PASSPHRASE (or "
                             f"PULUMI_CONFIG_PASSPHRASE_FILE) does not decrypt its encryptionsalt; set the stack's "
                             f"passphrase, or unset both to check with secrets unknown")
        return cls(key)

    def decrypt(self, value: str) -> str:
        return _decrypt(self._key, value).decode("utf-8")

    def encrypt(self, plaintext: str, nonce: Optional[bytes] = None) -> str:
        """The CLI's format (used by tests to make values; the CLI itself picks a random nonce)."""
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM
        nonce = nonce or os.urandom(12)
        ct = AESGCM(self._key).encrypt(nonce, plaintext.encode("utf-8"), None)
        return f"v1:{base64.b64encode(nonce).decode()}:{base64.b64encode(ct).decode()}"


def new_encryption_salt(passphrase: str, salt: Optional[bytes] = None) -> str:
    """An `encryptionsalt` as `pulumi stack init` writes it (for tests)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
    salt = salt or os.urandom(8)
    key = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=salt, iterations=ITERATIONS).derive(
        passphrase.encode("utf-8"))
    return f"v1:{base64.b64encode(salt).decode()}:" + PassphraseCrypter(key).encrypt("pulumi")
