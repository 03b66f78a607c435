"""Passwords (argon2id), high-entropy secrets (SHA-256 at rest) and the master-key envelope."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from zxcvbn import zxcvbn

from domain.errors import InvalidInput

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
MIN_PASSWORD_SCORE = 3  # zxcvbn: 0 (guessable) .. 4 (very unguessable)


def check_password_strength(password: str, *, user_inputs: list[str]) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"Password must be at least {MIN_PASSWORD_LENGTH} characters.",
            code="WEAK_PASSWORD",
            field="password",
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(
            f"Password must be at most {MAX_PASSWORD_LENGTH} characters.", code="INVALID", field="password"
        )
    result = zxcvbn(password, user_inputs=user_inputs)
    if result["score"] < MIN_PASSWORD_SCORE:
        hint = result["feedback"].get("warning") or "Use a longer passphrase."
        raise InvalidInput(
            f"Password is too easy to guess. {hint}".strip(), code="WEAK_PASSWORD", field="password"
        )


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# A well-formed hash to verify against when the user does not exist, so timing does not tell.
DUMMY_PASSWORD_HASH = _hasher.hash("not-a-real-password-" + secrets.token_hex(8))


def new_secret(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def digest_secret(secret: str) -> str:
    """SHA-256 of a random secret: enough for 256-bit tokens, and constant-time lookups by digest."""
    return hashlib.sha256(secret.encode()).hexdigest()


def digests_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a, b)


class MasterKey:
    """AES-256-GCM envelope for secrets at rest (signing keys). The key itself is never logged."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("the master key must be 32 bytes")
        self._key = key
        self._aead = AESGCM(key)

    def derive(self, label: str) -> bytes:
        """A 32-byte key for one purpose (HKDF-SHA256), so the master key itself signs nothing."""
        return HKDF(algorithm=SHA256(), length=32, salt=None, info=label.encode()).derive(self._key)

    @classmethod
    def from_b64(cls, value: str) -> MasterKey:
        return cls(base64.urlsafe_b64decode(value.encode()))

    @staticmethod
    def generate_b64() -> str:
        return base64.urlsafe_b64encode(AESGCM.generate_key(bit_length=256)).decode()

    def encrypt(self, plaintext: bytes, *, context: str) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, plaintext, context.encode())

    def decrypt(self, ciphertext: bytes, *, context: str) -> bytes:
        return self._aead.decrypt(ciphertext[:12], ciphertext[12:], context.encode())

    def __repr__(self) -> str:
        return "MasterKey(<redacted>)"
