"""Registered-key signatures of artifacts, as the server checks them (docs/marketplace.md): Ed25519 over
the 32 raw bytes of the artifact's sha256, ECDSA P-256 (DER) over that same digest; base64."""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path
from typing import BinaryIO

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

SigningKey = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey
KeyLike = SigningKey | bytes | str | os.PathLike[str]
CHUNK = 1024 * 1024


def load_signing_key(key: KeyLike, password: bytes | None = None) -> SigningKey:
    """A private key from a key object, PEM text or bytes, or the path of a PEM file."""
    if isinstance(key, ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey):
        return _checked(key)
    if isinstance(key, os.PathLike):
        key = Path(key).read_bytes()
    pem = key.encode() if isinstance(key, str) else key
    loaded = serialization.load_pem_private_key(pem, password=password)
    if not isinstance(loaded, ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey):
        raise TypeError("Only Ed25519 and ECDSA P-256 keys can sign artifacts.")
    return _checked(loaded)


def _checked(key: SigningKey) -> SigningKey:
    if isinstance(key, ec.EllipticCurvePrivateKey) and not isinstance(key.curve, ec.SECP256R1):
        raise TypeError("ECDSA keys must be on P-256.")
    return key


def public_key_pem(key: KeyLike) -> str:
    """The "PUBLIC KEY" PEM to register with `registerPublicKey`."""
    return (
        load_signing_key(key)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def sign_digest(sha256_hex: str, key: KeyLike) -> str:
    """The `keySignature` (base64) for an artifact whose sha256 is `sha256_hex`."""
    digest = bytes.fromhex(sha256_hex)
    if len(digest) != 32:
        raise ValueError("Expected the 64 hex digits of a sha256 digest.")
    private_key = load_signing_key(key)
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        raw = private_key.sign(digest, ec.ECDSA(Prehashed(hashes.SHA256())))
    else:
        raw = private_key.sign(digest)
    return base64.b64encode(raw).decode()


def sha256_of(stream: BinaryIO) -> str:
    """The hex sha256 of what is left in `stream`, read in chunks."""
    digest = hashlib.sha256()
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()
