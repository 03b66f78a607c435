"""Real keys and signatures for tests, following the registered-key scheme of
`domain.marketplace.signatures` (ECDSA P-256 as `cosign sign-blob --key`, Ed25519 over the raw digest)."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed


@dataclass(frozen=True)
class SigningKey:
    private_key: ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey

    @property
    def public_pem(self) -> str:
        """The public key as a "PUBLIC KEY" PEM, the format of cosign's `cosign.pub`."""
        return (
            self.private_key.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )

    def sign(self, artifact: bytes) -> str:
        """The signature to send with `artifact`: ECDSA like `cosign sign-blob`, Ed25519 over its digest."""
        if isinstance(self.private_key, ec.EllipticCurvePrivateKey):
            # cosign signs the artifact itself (ECDSA hashes it with SHA-256); the server checks the digest.
            return base64.b64encode(self.private_key.sign(artifact, ec.ECDSA(hashes.SHA256()))).decode()
        return self.sign_digest(hashlib.sha256(artifact).hexdigest())

    def sign_digest(self, sha256_hex: str) -> str:
        """The signature for an artifact known only by its sha256 (hex)."""
        digest = bytes.fromhex(sha256_hex)
        if isinstance(self.private_key, ec.EllipticCurvePrivateKey):
            raw = self.private_key.sign(digest, ec.ECDSA(Prehashed(hashes.SHA256())))
        else:
            raw = self.private_key.sign(digest)
        return base64.b64encode(raw).decode()


def ecdsa_p256_key() -> SigningKey:
    """A fresh ECDSA P-256 key, as `cosign generate-key-pair` makes."""
    return SigningKey(ec.generate_private_key(ec.SECP256R1()))


def ed25519_key() -> SigningKey:
    return SigningKey(ed25519.Ed25519PrivateKey.generate())
