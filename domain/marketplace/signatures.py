"""Verification of the signature every package version carries (policy P-2): a Sigstore bundle checked
offline against the publisher's registered identities, or a signature by one of its registered keys.

Both checks need only the artifact's sha256 digest, never its bytes, so they run after a streamed upload.

Sigstore bundles
    A bundle as written by `cosign sign-blob --bundle` / `sigstore sign` (media types 0.1 to 0.3), either a
    message signature over the artifact or a DSSE envelope holding an in-toto statement whose subject has the
    artifact's sha256. It is verified with sigstore-python in offline mode against the trust root shipped in
    the sigstore package (production, or staging when asked for, in tests): certificate chain to Fulcio at
    the signing time, SCT, transparency-log inclusion proof and promise, signature, and consistency of the
    log entry with the rest of the bundle. No TUF refresh and no Rekor lookup happen. The identity policy
    accepts any of the publisher's non-revoked identities (certificate SAN + OIDC issuer, both exact).

Registered keys
    `signature` is base64 (standard or URL-safe alphabet, padding optional, surrounding whitespace ignored)
    of the raw signature bytes:

    * ECDSA P-256 key: an ASN.1 DER ECDSA signature with SHA-256 over the artifact, exactly what
      `cosign sign-blob --key cosign.key artifact` prints (and what
      `openssl dgst -sha256 -sign key.pem artifact | base64 -w0` gives). Since ECDSA signs the hash, it is
      verified from the digest alone (`Prehashed(SHA256())`).
    * Ed25519 key: an Ed25519 signature over the 32 raw bytes of the artifact's sha256 digest (not over the
      artifact, and not hex), e.g.
      `openssl dgst -sha256 -binary artifact > d.bin && openssl pkeyutl -sign -inkey ed.pem -rawin -in d.bin
      | base64 -w0`. This is NOT what cosign produces for an Ed25519 key (cosign signs the whole artifact
      with pure Ed25519, which cannot be checked from a digest).

Failures raise `InvalidInput` with field "signature" (field "publicKey" for `parse_public_key`) and a
`MarketplaceErrorCode`.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import json
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from pydantic import ValidationError
from sigstore.errors import Error as SigstoreError
from sigstore.hashes import Hashed
from sigstore.models import Bundle
from sigstore.verify import Verifier, policy
from sigstore_models.bundle.v1 import Bundle as BundleDocument
from sigstore_models.common.v1 import HashAlgorithm

from domain.errors import InvalidInput
from domain.marketplace.errors import MarketplaceErrorCode as Code

KeyAlgorithm = Literal["ECDSA_P256", "ED25519"]
Trust = Literal["production", "staging"]

# Real bundles are about 10 KB; anything far larger is not one, and not worth parsing.
MAX_BUNDLE_BYTES = 256 * 1024
MAX_SIGNATURE_CHARS = 1024
MAX_PUBLIC_KEY_CHARS = 8 * 1024

_SIGNATURE_FIELD = "signature"
_KEY_FIELD = "publicKey"
_IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json"
_BASE64_BODY = re.compile(r"[A-Za-z0-9+/]*")


@dataclass(frozen=True)
class ParsedKey:
    algorithm: KeyAlgorithm
    fingerprint: str  # "SHA256:" + hex sha256 of the DER SubjectPublicKeyInfo
    pem: str  # canonical SubjectPublicKeyInfo PEM


@dataclass(frozen=True)
class SigstoreIdentity:
    id: uuid.UUID
    issuer: str
    identity: str
    revoked: bool


@dataclass(frozen=True)
class RegisteredKey:
    id: uuid.UUID
    public_key_pem: str
    revoked: bool


@dataclass(frozen=True)
class Verification:
    method: Literal["SIGSTORE", "KEY"]
    signer_id: uuid.UUID  # the SigstoreIdentity or RegisteredKey that verified
    identity: str | None
    issuer: str | None
    log_index: int | None
    integrated_time: datetime | None
    key_fingerprint: str | None


# --- public keys -----------------------------------------------------------------------------------------


def parse_public_key(pem: str) -> ParsedKey:
    """Parse a SubjectPublicKeyInfo PEM ("PUBLIC KEY"), accepting ECDSA P-256 and Ed25519 only."""
    if len(pem) > MAX_PUBLIC_KEY_CHARS:
        raise InvalidInput("The public key is too long.", code=Code.INVALID_KEY, field=_KEY_FIELD)
    try:
        key = serialization.load_pem_public_key(pem.strip().encode())
    except UnsupportedAlgorithm:
        raise InvalidInput(
            "Only ECDSA P-256 and Ed25519 public keys are supported.",
            code=Code.UNSUPPORTED_KEY_TYPE,
            field=_KEY_FIELD,
        ) from None
    except ValueError:
        raise InvalidInput(
            'Not a PEM public key (expected a "-----BEGIN PUBLIC KEY-----" block).',
            code=Code.INVALID_KEY,
            field=_KEY_FIELD,
        ) from None
    algorithm: KeyAlgorithm
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        algorithm = "ECDSA_P256"
    elif isinstance(key, ed25519.Ed25519PublicKey):
        algorithm = "ED25519"
    else:
        raise InvalidInput(
            "Only ECDSA P-256 and Ed25519 public keys are supported.",
            code=Code.UNSUPPORTED_KEY_TYPE,
            field=_KEY_FIELD,
        )
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    canonical = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return ParsedKey(
        algorithm=algorithm,
        fingerprint="SHA256:" + hashlib.sha256(der).hexdigest(),
        pem=canonical.decode(),
    )


# --- registered-key signatures ---------------------------------------------------------------------------


def verify_key_signature(*, sha256_hex: str, signature: str, keys: Sequence[RegisteredKey]) -> Verification:
    """Verify `signature` over the artifact digest with the publisher's keys (scheme in the module doc)."""
    digest = _digest_bytes(sha256_hex)
    raw = _decode_base64(signature)
    if not keys:
        raise InvalidInput(
            "The publisher has no registered signing key.", code=Code.IDENTITY_UNKNOWN, field=_SIGNATURE_FIELD
        )
    for key in keys:
        if not key.revoked and _key_verifies(key, raw, digest):
            return Verification(
                method="KEY",
                signer_id=key.id,
                identity=None,
                issuer=None,
                log_index=None,
                integrated_time=None,
                key_fingerprint=_parse_registered(key).fingerprint,
            )
    if any(key.revoked and _key_verifies(key, raw, digest) for key in keys):
        raise InvalidInput(
            "The signature was made with a revoked key.", code=Code.IDENTITY_REVOKED, field=_SIGNATURE_FIELD
        )
    raise InvalidInput(
        "The signature does not verify for this artifact with any of the publisher's registered keys.",
        code=Code.SIGNATURE_INVALID,
        field=_SIGNATURE_FIELD,
    )


def _parse_registered(key: RegisteredKey) -> ParsedKey:
    try:
        return parse_public_key(key.public_key_pem)
    except InvalidInput as exc:
        # Keys are validated when registered: a stored key that no longer parses is a bug, not bad input.
        raise ValueError(f"registered key {key.id} is not a valid public key: {exc.message}") from exc


def _key_verifies(key: RegisteredKey, signature: bytes, digest: bytes) -> bool:
    public_key = serialization.load_pem_public_key(_parse_registered(key).pem.encode())
    try:
        if isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(signature, digest, ec.ECDSA(Prehashed(hashes.SHA256())))
        elif isinstance(public_key, ed25519.Ed25519PublicKey):
            public_key.verify(signature, digest)
        else:  # pragma: no cover - parse_public_key admits no other type
            return False
    except InvalidSignature:
        return False
    return True


def _decode_base64(text: str) -> bytes:
    malformed = InvalidInput(
        "The signature is not base64.", code=Code.SIGNATURE_MALFORMED, field=_SIGNATURE_FIELD
    )
    body = text.strip().rstrip("=")
    if not body or len(body) > MAX_SIGNATURE_CHARS or len(body) % 4 == 1:
        raise malformed
    if ("-" in body or "_" in body) and ("+" in body or "/" in body):
        raise malformed  # two alphabets mixed
    body = body.replace("-", "+").replace("_", "/")
    if not _BASE64_BODY.fullmatch(body):
        raise malformed
    try:
        return base64.b64decode(body + "=" * (-len(body) % 4), validate=True)
    except binascii.Error:
        raise malformed from None


def _digest_bytes(sha256_hex: str) -> bytes:
    # The digest is computed by the server while the upload streams: a bad one is a bug, not user input.
    if not re.fullmatch(r"[0-9a-fA-F]{64}", sha256_hex):
        raise ValueError("sha256_hex must be 64 hexadecimal characters")
    return bytes.fromhex(sha256_hex)


# --- Sigstore bundles ------------------------------------------------------------------------------------


def verify_sigstore_bundle(
    *,
    sha256_hex: str,
    bundle: bytes,
    identities: Sequence[SigstoreIdentity],
    trust: Trust = "production",
) -> Verification:
    """Verify a Sigstore bundle for the artifact digest, offline, against the publisher's identities.

    The checks run from the cheapest and most telling to the full verification, so each failure gets its
    own code: not a bundle (MALFORMED), a bundle for another digest (DIGEST_MISMATCH), a bundle lacking what
    verification needs (INVALID), a certificate for an identity that is not registered (UNKNOWN), then the
    full cryptographic verification (INVALID), under the active identities or, failing those, the revoked
    ones (REVOKED if the bundle is otherwise genuine).
    """
    digest = _digest_bytes(sha256_hex)
    document = _load_document(bundle)
    _check_signed_digest(document, digest)
    try:
        parsed = Bundle.from_json(bundle)
    except (SigstoreError, ValueError) as exc:
        # Well-formed JSON in the bundle schema, but without what verification needs (certificate,
        # exactly one log entry, inclusion proof, a source of signed time...).
        raise _invalid(f"The Sigstore bundle cannot be verified: {_first_line(exc)}") from None

    certificate = parsed.signing_certificate
    usable = [i for i in identities if i.issuer and i.identity]  # an empty issuer would match any issuer
    active = [i for i in usable if not i.revoked]
    matched = [i for i in active if _identity_matches(i, certificate)]
    if not matched:
        revoked = [i for i in usable if i.revoked and _identity_matches(i, certificate)]
        if not revoked:
            raise InvalidInput(
                f"The bundle was signed by {_describe(certificate)}, which is not a registered signing "
                "identity of this publisher.",
                code=Code.IDENTITY_UNKNOWN,
                field=_SIGNATURE_FIELD,
            )
        _verify_bundle(document, parsed, digest, revoked, trust)
        raise InvalidInput(
            f"The bundle was signed by {_describe(certificate)}, a revoked signing identity.",
            code=Code.IDENTITY_REVOKED,
            field=_SIGNATURE_FIELD,
        )

    _verify_bundle(document, parsed, digest, active, trust)
    signer = matched[0]
    entry = document.verification_material.tlog_entries[0]
    return Verification(
        method="SIGSTORE",
        signer_id=signer.id,
        identity=signer.identity,  # equal to one of the certificate's SANs (the policy compares exactly)
        issuer=signer.issuer,  # equal to the certificate's OIDC issuer
        log_index=entry.log_index,
        # Rekor v2 entries carry no integrated time (their time comes from a timestamp authority).
        integrated_time=datetime.fromtimestamp(entry.integrated_time, UTC) if entry.integrated_time else None,
        key_fingerprint=None,
    )


@functools.cache
def _verifier(trust: Trust) -> Verifier:
    # offline=True: no TUF refresh. sigstore-python then reads the trust root from its user cache directory,
    # seeding it from the copy shipped in the package. Cached per process: the root cannot change offline,
    # and each construction logs a warning.
    if trust == "production":
        return Verifier.production(offline=True)
    if trust == "staging":
        return Verifier.staging(offline=True)
    raise ValueError(f"unknown Sigstore trust root {trust!r}")


def _load_document(bundle: bytes) -> BundleDocument:
    if len(bundle) > MAX_BUNDLE_BYTES:
        raise InvalidInput(
            "The signature is too large to be a Sigstore bundle.",
            code=Code.SIGNATURE_MALFORMED,
            field=_SIGNATURE_FIELD,
        )
    try:
        return BundleDocument.from_json(bundle)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "bundle"
        raise InvalidInput(
            f"The signature is not a Sigstore bundle: {where}: {first['msg']}"[:300],
            code=Code.SIGNATURE_MALFORMED,
            field=_SIGNATURE_FIELD,
        ) from None


def _check_signed_digest(document: BundleDocument, digest: bytes) -> None:
    """Compare the digest the bundle claims to sign with the artifact's, before any costly verification.

    The claim is not trusted here: the full verification checks it again, cryptographically.
    """
    if document.dsse_envelope is not None:
        subjects = _statement_sha256_subjects(
            document.dsse_envelope.payload_type, document.dsse_envelope.payload
        )
        if subjects is None:
            raise _invalid("The bundle's DSSE envelope does not hold an in-toto statement.")
        if digest.hex() not in subjects:
            raise _digest_mismatch()
        return
    message = document.message_signature
    if message is not None and message.message_digest is not None:
        if message.message_digest.algorithm != HashAlgorithm.SHA2_256:
            raise _invalid("Only bundles over a SHA-256 digest are accepted.")
        if message.message_digest.digest != digest:
            raise _digest_mismatch()
        return
    # An old bundle may leave the digest out of its message signature; its log entry records it.
    entries = document.verification_material.tlog_entries
    if len(entries) == 1:
        logged = _logged_sha256(entries[0].canonicalized_body)
        if logged is not None and logged != digest:
            raise _digest_mismatch()


def _statement_sha256_subjects(payload_type: str, payload: bytes) -> set[str] | None:
    if payload_type != _IN_TOTO_PAYLOAD_TYPE:
        return None
    try:
        statement = json.loads(payload)
        subjects = statement["subject"]
        return {str(s["digest"]["sha256"]).lower() for s in subjects if "sha256" in s["digest"]}
    except (ValueError, KeyError, TypeError):
        return None


def _logged_sha256(canonicalized_body: bytes) -> bytes | None:
    try:
        body = json.loads(canonicalized_body)
        if body["kind"] != "hashedrekord":
            return None
        if body["apiVersion"] == "0.0.1":
            hashed = body["spec"]["data"]["hash"]
            return bytes.fromhex(hashed["value"]) if hashed["algorithm"] == "sha256" else None
        data = body["spec"]["hashedRekordV002"]["data"]
        return base64.b64decode(data["digest"]) if data["algorithm"] == "SHA2_256" else None
    except (ValueError, KeyError, TypeError):
        return None


def _identity_matches(registered: SigstoreIdentity, certificate: x509.Certificate) -> bool:
    try:
        policy.Identity(identity=registered.identity, issuer=registered.issuer).verify(certificate)
    except (SigstoreError, x509.ExtensionNotFound, ValueError):
        return False
    return True


def _verify_bundle(
    document: BundleDocument, parsed: Bundle, digest: bytes, identities: list[SigstoreIdentity], trust: Trust
) -> None:
    verifier = _verifier(trust)
    identity_policy = policy.AnyOf(
        [policy.Identity(identity=i.identity, issuer=i.issuer) for i in identities]
    )
    try:
        if document.dsse_envelope is not None:
            payload_type, payload = verifier.verify_dsse(parsed, identity_policy)
            subjects = _statement_sha256_subjects(payload_type, payload)
            if subjects is None or digest.hex() not in subjects:
                raise _digest_mismatch()
        else:
            verifier.verify_artifact(
                Hashed(algorithm=HashAlgorithm.SHA2_256, digest=digest), parsed, identity_policy
            )
    except InvalidInput:
        raise
    except Exception as exc:
        # Fail closed: whatever goes wrong while checking hostile material (a sigstore VerificationError,
        # or cryptography choking on a crafted certificate) means the bundle is not acceptable.
        raise _invalid(f"The Sigstore bundle does not verify: {_first_line(exc)}") from None


def _describe(certificate: x509.Certificate) -> str:
    try:
        san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = [str(v) for v in san.get_values_for_type(x509.RFC822Name)]
        names += [str(v) for v in san.get_values_for_type(x509.UniformResourceIdentifier)]
    except (x509.ExtensionNotFound, ValueError):
        names = []
    return repr(names[0]) if names else "an identity without a usable name"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


def _invalid(message: str) -> InvalidInput:
    return InvalidInput(message, code=Code.SIGNATURE_INVALID, field=_SIGNATURE_FIELD)


def _digest_mismatch() -> InvalidInput:
    return InvalidInput(
        "The signature was made for a different artifact (its digest does not match the upload).",
        code=Code.SIGNATURE_DIGEST_MISMATCH,
        field=_SIGNATURE_FIELD,
    )
