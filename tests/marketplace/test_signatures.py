"""Signature verification: real Sigstore bundles (production and staging, verified offline), every bundle in
the fixtures' invalid/ folder, and registered-key signatures made with real keys."""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from domain.errors import InvalidInput
from domain.marketplace import signatures
from domain.marketplace.errors import MarketplaceErrorCode as Code
from domain.marketplace.signatures import (
    RegisteredKey,
    SigstoreIdentity,
    parse_public_key,
    verify_key_signature,
    verify_sigstore_bundle,
)
from tests.fixtures import SIGSTORE
from tests.marketplace.signing import SigningKey, ecdsa_p256_key, ed25519_key

FIXTURES = SIGSTORE  # a copy of ../shared/fixtures/sigstore, with its README and licence

# Identities as listed in the fixtures' README (and in the bundles' certificates).
GITHUB_RELEASE = (
    "https://github.com/trailofbits/rfc8785.py/.github/workflows/release.yml@refs/tags/v0.1.2",
    "https://token.actions.githubusercontent.com",
)
TNY_TOWN = ("a@tny.town", "https://github.com/login/oauth")
YOSSARIAN = ("william@yossarian.net", "https://github.com/login/oauth")
ALEX = ("alex.cameron@trailofbits.com", "https://accounts.google.com")

PRODUCTION_WHL = "production/bundle_v3_github.whl"
PRODUCTION_WHL_SHA256 = "c4e92e9ecc828bef2aa7dba1de8ac983511f7532a0df11c770d39099a25cf201"

# artifact, trust, identity, log index, integrated time (both from the bundle's log entry)
GENUINE = [
    (PRODUCTION_WHL, "production", GITHUB_RELEASE, 79605083, 1710888076),
    ("staging/bundle.txt", "staging", TNY_TOWN, 7390977, 1682468469),
    ("staging/bundle_v3.txt", "staging", YOSSARIAN, 25915956, 1712085549),
    ("staging/bundle_v3_alt.txt", "staging", YOSSARIAN, 25915997, 1712085616),
]

# Each invalid bundle is checked on the instance that made it (its log ID / certificate say which: the
# README calls them all staging, but three are production) with its own signer registered, so it is
# rejected for its defect, not for the instance or the identity. The reason is pinned too, for that purpose.
# bundle file -> (trust, identity, code, words of the reason)
INVALID: dict[str, tuple[str, tuple[str, str], Code, str]] = {
    # A well-formed bundle whose log entry is for other materials than its signature and certificate.
    "bundle_cve_2022_36056.txt.sigstore": (
        "staging",
        YOSSARIAN,
        Code.SIGNATURE_INVALID,
        "transparency log entry is inconsistent",
    ),
    # Its mediaType names no bundle format: it cannot be read as a Sigstore bundle at all.
    "bundle_invalid_version.txt.sigstore": ("staging", YOSSARIAN, Code.SIGNATURE_MALFORMED, "mediaType"),
    # Readable bundles that lack what verification needs.
    "bundle_no_cert_v1.txt.sigstore": ("production", ALEX, Code.SIGNATURE_INVALID, "certificate chain"),
    "bundle_no_log_entry.txt.sigstore": ("production", ALEX, Code.SIGNATURE_INVALID, "log entry"),
    "bundle_v3_no_signed_time.txt.sigstore.json": (
        "production",
        YOSSARIAN,
        Code.SIGNATURE_INVALID,
        "inclusion promise or signed timestamp",
    ),
}


def _bundle_files(folder: str) -> list[str]:
    directory = FIXTURES / folder
    if not directory.is_dir():
        return ["<fixtures missing>"]  # the `fixtures` fixture then fails with a clear message
    return sorted(p.name for p in directory.iterdir() if ".sigstore" in p.name)


@pytest.fixture(scope="module")
def fixtures() -> Path:
    if not (FIXTURES / "README.md").is_file():
        pytest.fail(
            f"The Sigstore fixtures are missing: expected them in {FIXTURES} (tests/fixtures/sigstore)."
        )
    return FIXTURES


def artifact_and_bundle(fixtures: Path, artifact: str) -> tuple[str, bytes]:
    path = fixtures / artifact
    (bundle,) = (p for p in path.parent.iterdir() if p.name.startswith(path.name + ".sigstore"))
    return hashlib.sha256(path.read_bytes()).hexdigest(), bundle.read_bytes()


def identity(who: tuple[str, str], *, revoked: bool = False) -> SigstoreIdentity:
    return SigstoreIdentity(id=uuid.uuid4(), identity=who[0], issuer=who[1], revoked=revoked)


def rejected(**kwargs: Any) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        verify_sigstore_bundle(**kwargs)
    assert caught.value.field == "signature"
    return caught.value


# --- Sigstore: genuine bundles ---------------------------------------------------------------------------


@pytest.mark.parametrize(("artifact", "trust", "who", "log_index", "integrated"), GENUINE)
def test_genuine_bundle_verifies(
    fixtures: Path, artifact: str, trust: str, who: tuple[str, str], log_index: int, integrated: int
) -> None:
    sha256_hex, bundle = artifact_and_bundle(fixtures, artifact)
    signer = identity(who)
    others = [identity(("someone@example.com", who[1])), identity((who[0], "https://issuer.example"))]

    result = verify_sigstore_bundle(
        sha256_hex=sha256_hex, bundle=bundle, identities=[*others, signer], trust=trust
    )

    assert result == signatures.Verification(
        method="SIGSTORE",
        signer_id=signer.id,
        identity=who[0],
        issuer=who[1],
        log_index=log_index,
        integrated_time=datetime.fromtimestamp(integrated, UTC),
        key_fingerprint=None,
    )


def test_production_fixture_is_the_listed_artifact(fixtures: Path) -> None:
    sha256_hex, _ = artifact_and_bundle(fixtures, PRODUCTION_WHL)
    assert sha256_hex == PRODUCTION_WHL_SHA256


def test_verification_is_offline_from_the_trust_root_shipped_in_sigstore(
    fixtures: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sha256_hex, bundle = artifact_and_bundle(fixtures, PRODUCTION_WHL)

    def no_network(*args: object, **kwargs: object) -> None:
        raise OSError("network disabled by the test")

    # Cut the process off at the OS boundary: no name resolution, no connection.
    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket.socket, "connect_ex", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    # An empty cache and data directory: sigstore-python's offline mode must fall back to its shipped root.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    with pytest.raises(OSError, match="network disabled"):
        socket.create_connection(("127.0.0.1", 9))
    # Build the verifier afresh under these conditions rather than reuse one built earlier in the session.
    signatures._verifier.cache_clear()
    try:
        result = verify_sigstore_bundle(
            sha256_hex=sha256_hex, bundle=bundle, identities=[identity(GITHUB_RELEASE)]
        )
    finally:
        signatures._verifier.cache_clear()

    assert (result.identity, result.log_index) == (GITHUB_RELEASE[0], 79605083)
    # The shipped trust root was copied into the (fresh) cache and read from there.
    assert list((tmp_path / "cache" / "sigstore-python" / "tuf").glob("*sigstore.dev/trusted_root.json"))


def test_bundle_without_message_digest_is_checked_against_its_log_entry(fixtures: Path) -> None:
    # The oldest bundles may leave the digest out of the message signature; the log entry records it.
    sha256_hex, bundle = artifact_and_bundle(fixtures, PRODUCTION_WHL)
    document = json.loads(bundle)
    del document["messageSignature"]["messageDigest"]
    stripped = json.dumps(document).encode()

    result = verify_sigstore_bundle(
        sha256_hex=sha256_hex, bundle=stripped, identities=[identity(GITHUB_RELEASE)]
    )
    assert result.log_index == 79605083

    other = hashlib.sha256(b"another artifact").hexdigest()
    error = rejected(sha256_hex=other, bundle=stripped, identities=[identity(GITHUB_RELEASE)])
    assert error.code == Code.SIGNATURE_DIGEST_MISMATCH


# --- Sigstore: rejections --------------------------------------------------------------------------------


@pytest.mark.parametrize(("artifact", "trust", "who", "log_index", "integrated"), GENUINE)
def test_a_changed_byte_is_a_digest_mismatch(
    fixtures: Path, artifact: str, trust: str, who: tuple[str, str], log_index: int, integrated: int
) -> None:
    content = (fixtures / artifact).read_bytes()
    _, bundle = artifact_and_bundle(fixtures, artifact)
    changed = bytes([content[0] ^ 1]) + content[1:]

    for tampered in (changed, content + b"\n"):
        error = rejected(
            sha256_hex=hashlib.sha256(tampered).hexdigest(),
            bundle=bundle,
            identities=[identity(who)],
            trust=trust,
        )
        assert error.code == Code.SIGNATURE_DIGEST_MISMATCH


@pytest.mark.parametrize(
    "registered",
    [
        [],
        [identity(("someone@example.com", GITHUB_RELEASE[1]))],
        # the right identity from another issuer is another identity
        [identity((GITHUB_RELEASE[0], "https://github.com/login/oauth"))],
        [identity(YOSSARIAN), identity(TNY_TOWN, revoked=True)],
    ],
    ids=["none", "other-identity", "other-issuer", "unrelated"],
)
def test_the_right_bundle_under_another_identity_is_unknown(
    fixtures: Path, registered: list[SigstoreIdentity]
) -> None:
    sha256_hex, bundle = artifact_and_bundle(fixtures, PRODUCTION_WHL)
    error = rejected(sha256_hex=sha256_hex, bundle=bundle, identities=registered)
    assert error.code == Code.IDENTITY_UNKNOWN


def test_a_revoked_matching_identity_is_refused(fixtures: Path) -> None:
    sha256_hex, bundle = artifact_and_bundle(fixtures, PRODUCTION_WHL)
    registered = [identity(YOSSARIAN), identity(GITHUB_RELEASE, revoked=True)]
    error = rejected(sha256_hex=sha256_hex, bundle=bundle, identities=registered)
    assert error.code == Code.IDENTITY_REVOKED


def test_a_revoked_identity_does_not_excuse_an_invalid_bundle(fixtures: Path) -> None:
    # Revocation is reported only for a bundle that is otherwise genuine: this one is from the wrong instance.
    sha256_hex, bundle = artifact_and_bundle(fixtures, "staging/bundle_v3.txt")
    error = rejected(sha256_hex=sha256_hex, bundle=bundle, identities=[identity(YOSSARIAN, revoked=True)])
    assert error.code == Code.SIGNATURE_INVALID


@pytest.mark.parametrize(("artifact", "trust", "who", "log_index", "integrated"), GENUINE)
def test_the_wrong_instance_is_invalid(
    fixtures: Path, artifact: str, trust: str, who: tuple[str, str], log_index: int, integrated: int
) -> None:
    sha256_hex, bundle = artifact_and_bundle(fixtures, artifact)
    other = "staging" if trust == "production" else "production"
    error = rejected(sha256_hex=sha256_hex, bundle=bundle, identities=[identity(who)], trust=other)
    assert error.code == Code.SIGNATURE_INVALID
    assert "certificate chain" in error.message


@pytest.mark.parametrize("bundle_file", _bundle_files("invalid"))
def test_every_invalid_bundle_is_rejected(fixtures: Path, bundle_file: str) -> None:
    assert bundle_file in INVALID, f"new fixture invalid/{bundle_file}: add the code it must get to INVALID"
    trust, who, code, reason = INVALID[bundle_file]
    sha256_hex, bundle = artifact_and_bundle(fixtures, "invalid/" + bundle_file.split(".sigstore")[0])

    error = rejected(sha256_hex=sha256_hex, bundle=bundle, identities=[identity(who)], trust=trust)

    assert error.code == code
    assert reason in error.message


def test_every_file_in_invalid_is_a_bundle_or_its_artifact(fixtures: Path) -> None:
    names = {p.name for p in (fixtures / "invalid").iterdir()}
    bundles = {n for n in names if ".sigstore" in n}
    artifacts = {n.split(".sigstore")[0] for n in bundles}
    assert names == bundles | artifacts
    assert bundles == set(INVALID)


@pytest.mark.parametrize(
    "bundle",
    [
        b"",
        b"not json",
        b"[]",
        b"{}",
        b'{"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json"}',
        b"\xff\xfe\x00",
        b"MEUCIQDx" * 10,  # a key signature sent where a bundle was expected
        b" " * (signatures.MAX_BUNDLE_BYTES + 1),
    ],
    ids=["empty", "text", "list", "empty-object", "no-material", "binary", "base64", "oversized"],
)
def test_what_is_not_a_bundle_is_malformed(bundle: bytes) -> None:
    error = rejected(sha256_hex=PRODUCTION_WHL_SHA256, bundle=bundle, identities=[identity(GITHUB_RELEASE)])
    assert error.code == Code.SIGNATURE_MALFORMED


def test_a_bundle_claiming_the_digest_without_a_valid_signature_is_invalid(fixtures: Path) -> None:
    # The digest pre-check trusts nothing: a bundle rewritten to claim our digest fails the real verification.
    _, bundle = artifact_and_bundle(fixtures, PRODUCTION_WHL)
    document = json.loads(bundle)
    other = hashlib.sha256(b"an artifact the signer never signed").digest()
    document["messageSignature"]["messageDigest"]["digest"] = base64.b64encode(other).decode()

    error = rejected(
        sha256_hex=other.hex(), bundle=json.dumps(document).encode(), identities=[identity(GITHUB_RELEASE)]
    )
    assert error.code == Code.SIGNATURE_INVALID


def _as_dsse(
    bundle: bytes, payload: dict[str, Any], payload_type: str = "application/vnd.in-toto+json"
) -> bytes:
    """The production bundle with a DSSE envelope in place of its message signature (not validly signed)."""
    document = json.loads(bundle)
    signature = document.pop("messageSignature")["signature"]
    document["dsseEnvelope"] = {
        "payload": base64.b64encode(json.dumps(payload).encode()).decode(),
        "payloadType": payload_type,
        "signatures": [{"sig": signature}],
    }
    return json.dumps(document).encode()


def _statement(sha256_hex: str) -> dict[str, Any]:
    return {
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": "package.tar.gz", "digest": {"sha256": sha256_hex}}],
        "predicateType": "https://slsa.dev/provenance/v1",
        "predicate": {},
    }


def test_dsse_bundle_subject_is_compared_with_the_digest(fixtures: Path) -> None:
    sha256_hex, bundle = artifact_and_bundle(fixtures, PRODUCTION_WHL)
    other = hashlib.sha256(b"another artifact").hexdigest()
    registered = [identity(GITHUB_RELEASE)]

    mismatch = rejected(
        sha256_hex=sha256_hex, bundle=_as_dsse(bundle, _statement(other)), identities=registered
    )
    assert mismatch.code == Code.SIGNATURE_DIGEST_MISMATCH

    forged = rejected(
        sha256_hex=sha256_hex, bundle=_as_dsse(bundle, _statement(sha256_hex)), identities=registered
    )
    assert forged.code == Code.SIGNATURE_INVALID

    not_in_toto = _as_dsse(bundle, _statement(sha256_hex), payload_type="text/plain")
    assert rejected(sha256_hex=sha256_hex, bundle=not_in_toto, identities=registered).code == (
        Code.SIGNATURE_INVALID
    )


# --- registered keys -------------------------------------------------------------------------------------

ARTIFACT = b"a workflow package\x00\x01\x02" * 100
ARTIFACT_SHA256 = hashlib.sha256(ARTIFACT).hexdigest()
OTHER_SHA256 = hashlib.sha256(ARTIFACT + b"!").hexdigest()


def registered(key: SigningKey, *, revoked: bool = False) -> RegisteredKey:
    return RegisteredKey(id=uuid.uuid4(), public_key_pem=key.public_pem, revoked=revoked)


def spki_fingerprint(key: SigningKey) -> str:
    der = key.private_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return "SHA256:" + hashlib.sha256(der).hexdigest()


def key_rejected(**kwargs: Any) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        verify_key_signature(**kwargs)
    assert caught.value.field == "signature"
    return caught.value


@pytest.mark.parametrize("make_key", [ecdsa_p256_key, ed25519_key], ids=["ecdsa-p256", "ed25519"])
def test_key_signature_verifies(make_key: Any) -> None:
    key = make_key()
    signer = registered(key)
    keys = [registered(ecdsa_p256_key()), registered(ed25519_key()), signer]

    result = verify_key_signature(sha256_hex=ARTIFACT_SHA256, signature=key.sign(ARTIFACT), keys=keys)

    assert result == signatures.Verification(
        method="KEY",
        signer_id=signer.id,
        identity=None,
        issuer=None,
        log_index=None,
        integrated_time=None,
        key_fingerprint=spki_fingerprint(key),
    )


def test_ecdsa_signature_over_the_artifact_verifies_from_its_digest() -> None:
    # What cosign sign-blob does (sign the artifact, ECDSA hashing it) and signing the digest agree.
    key = ecdsa_p256_key()
    from_artifact = base64.b64encode(key.private_key.sign(ARTIFACT, ec.ECDSA(hashes.SHA256()))).decode()
    for signature in (from_artifact, key.sign_digest(ARTIFACT_SHA256)):
        verify_key_signature(sha256_hex=ARTIFACT_SHA256, signature=signature, keys=[registered(key)])


def test_ed25519_signs_the_digest_not_the_artifact() -> None:
    key = ed25519_key()
    over_artifact = base64.b64encode(key.private_key.sign(ARTIFACT)).decode()
    error = key_rejected(sha256_hex=ARTIFACT_SHA256, signature=over_artifact, keys=[registered(key)])
    assert error.code == Code.SIGNATURE_INVALID


@pytest.mark.parametrize("make_key", [ecdsa_p256_key, ed25519_key], ids=["ecdsa-p256", "ed25519"])
def test_signature_encodings_accepted(make_key: Any) -> None:
    key = make_key()
    standard = key.sign(ARTIFACT)
    urlsafe = base64.urlsafe_b64encode(base64.b64decode(standard)).decode()
    for signature in (standard, standard.rstrip("="), urlsafe, urlsafe.rstrip("="), f"  {standard}\n"):
        verify_key_signature(sha256_hex=ARTIFACT_SHA256, signature=signature, keys=[registered(key)])


@pytest.mark.parametrize("make_key", [ecdsa_p256_key, ed25519_key], ids=["ecdsa-p256", "ed25519"])
def test_signature_over_another_digest_is_invalid(make_key: Any) -> None:
    key = make_key()
    error = key_rejected(sha256_hex=OTHER_SHA256, signature=key.sign(ARTIFACT), keys=[registered(key)])
    assert error.code == Code.SIGNATURE_INVALID


@pytest.mark.parametrize("make_key", [ecdsa_p256_key, ed25519_key], ids=["ecdsa-p256", "ed25519"])
def test_signature_by_an_unregistered_key_is_invalid(make_key: Any) -> None:
    stranger = make_key()
    keys = [registered(ecdsa_p256_key()), registered(ed25519_key())]
    error = key_rejected(sha256_hex=ARTIFACT_SHA256, signature=stranger.sign(ARTIFACT), keys=keys)
    assert error.code == Code.SIGNATURE_INVALID


@pytest.mark.parametrize("make_key", [ecdsa_p256_key, ed25519_key], ids=["ecdsa-p256", "ed25519"])
def test_signature_by_a_revoked_key_is_refused(make_key: Any) -> None:
    key = make_key()
    keys = [registered(ecdsa_p256_key()), registered(key, revoked=True)]
    error = key_rejected(sha256_hex=ARTIFACT_SHA256, signature=key.sign(ARTIFACT), keys=keys)
    assert error.code == Code.IDENTITY_REVOKED


def test_a_revoked_key_that_does_not_verify_is_just_invalid() -> None:
    keys = [registered(ecdsa_p256_key(), revoked=True)]
    error = key_rejected(sha256_hex=ARTIFACT_SHA256, signature=ecdsa_p256_key().sign(ARTIFACT), keys=keys)
    assert error.code == Code.SIGNATURE_INVALID


def test_no_registered_key_is_an_unknown_identity() -> None:
    error = key_rejected(sha256_hex=ARTIFACT_SHA256, signature=ecdsa_p256_key().sign(ARTIFACT), keys=[])
    assert error.code == Code.IDENTITY_UNKNOWN


@pytest.mark.parametrize(
    "signature",
    ["", "   ", "not base64!", "A", "ab+-cd/_", "é" * 8, "QUJD" * 1000],
    ids=["empty", "blank", "punctuation", "one-char", "mixed-alphabets", "non-ascii", "oversized"],
)
def test_garbage_signature_is_malformed(signature: str) -> None:
    error = key_rejected(sha256_hex=ARTIFACT_SHA256, signature=signature, keys=[registered(ecdsa_p256_key())])
    assert error.code == Code.SIGNATURE_MALFORMED


def test_base64_of_the_wrong_bytes_is_invalid_not_malformed() -> None:
    keys = [registered(ecdsa_p256_key()), registered(ed25519_key())]
    error = key_rejected(sha256_hex=ARTIFACT_SHA256, signature="QUJDRA==", keys=keys)
    assert error.code == Code.SIGNATURE_INVALID


# --- public keys -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make_key", "algorithm"), [(ecdsa_p256_key, "ECDSA_P256"), (ed25519_key, "ED25519")], ids=["ecdsa", "ed"]
)
def test_parse_public_key(make_key: Any, algorithm: str) -> None:
    key = make_key()
    parsed = parse_public_key(key.public_pem)
    assert parsed == signatures.ParsedKey(
        algorithm=algorithm, fingerprint=spki_fingerprint(key), pem=key.public_pem
    )
    # Line endings and surrounding blanks do not change the key or its fingerprint.
    untidy = "\n  " + key.public_pem.replace("\n", "\r\n") + "\n\n"
    assert parse_public_key(untidy) == parsed


def _rsa_public_pem() -> str:
    public = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def _p384_public_pem() -> str:
    public = ec.generate_private_key(ec.SECP384R1()).public_key()
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def _private_pem(private_key: ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey) -> str:
    return private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@pytest.mark.parametrize(
    ("pem", "code"),
    [
        (_rsa_public_pem(), Code.UNSUPPORTED_KEY_TYPE),
        (_p384_public_pem(), Code.UNSUPPORTED_KEY_TYPE),
        ("", Code.INVALID_KEY),
        ("not a key", Code.INVALID_KEY),
        ("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", Code.INVALID_KEY),
        (_private_pem(ec.generate_private_key(ec.SECP256R1())), Code.INVALID_KEY),
        (_private_pem(ed25519.Ed25519PrivateKey.generate()), Code.INVALID_KEY),
        ("x" * (signatures.MAX_PUBLIC_KEY_CHARS + 1), Code.INVALID_KEY),
    ],
    ids=["rsa", "p384", "empty", "text", "bad-der", "ecdsa-private", "ed25519-private", "oversized"],
)
def test_parse_public_key_rejects(pem: str, code: Code) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_public_key(pem)
    assert (caught.value.code, caught.value.field) == (code, "publicKey")
