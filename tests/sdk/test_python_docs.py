"""docs/sdk-python.md is true: every ```python block runs, in order and in one namespace, against a live
server, with the environment the guide asks the reader to set."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from atom_sdk import AtomClient, raise_for_user_errors
from atom_sdk.generated import sync
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from server.settings import Settings
from tests.conftest import LiveServer
from tests.helpers import PASSWORD, unique
from tests.marketplace.wpk_builder import build_wpk, default_manifest
from tests.sdk.conftest import ROOT, trust_reviewer
from tests.sdk.test_python_sdk import email, make_plan, run_async

GUIDE = ROOT / "docs" / "sdk-python.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def blocks() -> list[tuple[int, str]]:
    """(line, source) of each python block of the guide."""
    text = GUIDE.read_text()
    return [(text[: match.start()].count("\n") + 2, match.group(1)) for match in BLOCK.finditer(text)]


@pytest.fixture
def environment(
    sdk_server: LiveServer, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    """What the guide's reader has: an account whose organization has a plan, a namespace to claim, a
    signing key and an artifact on disk, and a trusted reviewer's credentials."""
    url = sdk_server.url
    account = email()
    with AtomClient.sign_up(
        url, account, PASSWORD, organization_name="Docs", organization_slug=unique("docs")
    ) as client:
        raise_for_user_errors(
            client.subscribe(input=sync.SubscribeInput(plan=make_plan(url, settings))).subscribe
        )
    reviewer, reviewer_slug = email(), unique("reviews")
    AtomClient.sign_up(
        url, reviewer, PASSWORD, organization_name="Reviews", organization_slug=reviewer_slug
    ).close()
    run_async(trust_reviewer(settings, reviewer_slug))
    key = tmp_path / "signing-key.pem"
    key.write_bytes(
        ed25519.Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    wpk = build_wpk(tmp_path / "hello-1.0.0.tar.gz", manifest=default_manifest("hello", "1.0.0"))
    values = {
        "ATOM_URL": url,
        "ATOM_EMAIL": account,
        "ATOM_PASSWORD": PASSWORD,
        "ATOM_NAMESPACE": unique("docs"),
        "ATOM_SIGNING_KEY": str(key),
        "ATOM_WPK": str(wpk),
        "ATOM_REVIEWER_EMAIL": reviewer,
        "ATOM_REVIEWER_PASSWORD": PASSWORD,
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    return values


def test_the_guide_runs(environment: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    guide = GUIDE.read_text()
    assert [name for name in environment if f"`{name}`" not in guide] == []  # the reader is told to set them
    found = blocks()
    assert len(found) >= 8
    namespace: dict[str, Any] = {"__name__": "__main__"}
    for line, source in found:
        exec(compile(source, f"{GUIDE}:{line}", "exec"), namespace)

    printed = capsys.readouterr().out
    assert namespace["version_id"]
    assert "PUBLISHED" in printed
    assert (namespace["report"].accepted, namespace["report"].duplicates) == (2, 0)
    assert (namespace["retry"].accepted, namespace["retry"].duplicates) == (0, 2)
    assert {"becomePublisher", "registerPublicKey", "createPackage"} <= set(namespace["actions"])
    assert namespace["api_key"].startswith("atom_")
    assert "True name" in printed  # the INVALID_PACKAGE_NAME code, on the `name` field
    assert "UNAUTHENTICATED ['auditLog']" in printed
    assert f"{environment['ATOM_NAMESPACE']}/hello" in printed
