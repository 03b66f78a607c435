"""What the async and the sync client share: endpoints, signatures, filters, and the
descriptor that lets `Client.log_in(url, ...)` build a client while `client.log_in(input=...)` stays
the generated mutation."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Concatenate, Generic, Literal, ParamSpec, TypeVar, overload

import httpx
from pydantic import BaseModel

from atom_sdk.signing import KeyLike, load_signing_key, sign_digest

PREFLIGHT_HEADERS = {"Apollo-Require-Preflight": "true"}
Via = Literal["presigned", "multipart"]

C = TypeVar("C")
P = ParamSpec("P")
R = TypeVar("R")
S = TypeVar("S")
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Endpoints:
    base: str
    graphql: str
    websocket: str


def endpoints(url: str) -> Endpoints:
    """The base URL, `/graphql` and its `ws(s)://` twin, from a base URL (with or without /graphql)."""
    base = url.rstrip("/")
    if base.endswith("/graphql"):
        base = base[: -len("/graphql")]
    parsed = httpx.URL(base)
    if parsed.scheme not in ("http", "https"):
        raise ValueError(f"Expected an http(s) URL, got {url!r}.")
    ws_scheme = "wss" if parsed.scheme == "https" else "ws"
    return Endpoints(base, f"{base}/graphql", str(parsed.copy_with(scheme=ws_scheme)) + "/graphql")


def absolute(base: str, url: str) -> str:
    """An upload URL the server handed out, made absolute if it is a path."""
    return str(httpx.URL(base + "/").join(url))


class hybridmethod(Generic[C, P, R, S]):
    """On the class, `on_class(cls, ...)`; on an instance, `on_instance(self, ...)` (the generated
    method of the same name, so both uses keep working)."""

    def __init__(self, on_class: Callable[Concatenate[type[C], P], R], on_instance: Callable[..., S]) -> None:
        self.on_class = on_class
        self.on_instance = on_instance
        self.__doc__ = on_class.__doc__

    @overload
    def __get__(self, obj: None, owner: type[C]) -> Callable[P, R]: ...

    @overload
    def __get__(self, obj: C, owner: type[C] | None = None) -> Callable[..., S]: ...

    def __get__(self, obj: C | None, owner: type[C] | None = None) -> Callable[P, R] | Callable[..., S]:
        if obj is None:
            assert owner is not None
            return functools.partial(self.on_class, owner)
        return functools.partial(self.on_instance, obj)


def signer(
    signing_key: KeyLike | None, sigstore_bundle: str | os.PathLike[str] | None
) -> Callable[[str], dict[str, str]]:
    """The `signature` input for a sha256, from a registered key or a Sigstore bundle (checked now,
    before anything is uploaded)."""
    if (signing_key is None) == (sigstore_bundle is None):
        raise ValueError("Give exactly one of signing_key and sigstore_bundle.")
    if signing_key is not None:
        key = load_signing_key(signing_key)
        return lambda digest: {"keySignature": sign_digest(digest, key)}
    assert sigstore_bundle is not None
    if isinstance(sigstore_bundle, os.PathLike) or not sigstore_bundle.lstrip().startswith("{"):
        bundle = Path(sigstore_bundle).read_text()
    else:
        bundle = sigstore_bundle
    return lambda digest: {"sigstoreBundle": bundle}


def as_dict(value: Mapping[str, Any] | BaseModel) -> dict[str, Any]:
    if isinstance(value, BaseModel):
        return value.model_dump(by_alias=True, exclude_unset=True)
    return dict(value)


def model_or_none(value: Mapping[str, Any] | BaseModel | None, model: type[M]) -> M | None:
    """`value` as `model` (a filter input given as a dict or a model)."""
    if value is None:
        return None
    if isinstance(value, model):
        return value
    return model.model_validate(as_dict(value))
