"""JWT signing keys: Ed25519, private halves encrypted under the master key, rotated with overlap (P-8).

Lifecycle: the newest unretired key signs. `rotate` makes a new key and marks the previous one
superseded; a superseded key keeps verifying (and stays in the JWKS) until every token it signed
has expired, then `retire_expired` drops its private half and removes it from the JWKS.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from jwt.algorithms import OKPAlgorithm
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.auth import repository
from domain.auth.models import SigningKey
from domain.auth.secrets import MasterKey
from domain.clock import clock
from domain.ids import new_id

ALGORITHM = "EdDSA"


@dataclass(frozen=True, slots=True)
class ActiveKey:
    kid: str
    private_key: Ed25519PrivateKey


class KeyRing:
    def __init__(
        self, master_key: MasterKey, *, token_lifetime: timedelta, cache_seconds: float = 60.0
    ) -> None:
        self._master_key = master_key
        self._token_lifetime = token_lifetime
        self._cache_seconds = cache_seconds
        self._private: dict[str, Ed25519PrivateKey] = {}
        self._public: dict[str, tuple[float, Ed25519PublicKey | None]] = {}

    async def _create(self, session: AsyncSession) -> SigningKey:
        private_key = Ed25519PrivateKey.generate()
        kid = new_id().hex
        pem = private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        jwk = json.loads(OKPAlgorithm.to_jwk(private_key.public_key()))
        jwk.update({"kid": kid, "alg": ALGORITHM, "use": "sig"})
        key = SigningKey(
            kid=kid,
            algorithm=ALGORITHM,
            public_jwk=jwk,
            private_key_encrypted=self._master_key.encrypt(pem, context=kid),
            created_at=clock.now(),
        )
        session.add(key)
        await session.flush()
        return key

    async def ensure_active(self, session: AsyncSession) -> SigningKey:
        keys = await repository.signing_keys_unretired(session)
        active = [k for k in keys if k.superseded_at is None]
        if active:
            return active[0]
        return await self._create(session)

    async def rotate(self, session: AsyncSession) -> tuple[SigningKey, list[SigningKey]]:
        """Add a new signing key, supersede the current one, retire keys past their overlap."""
        now = clock.now()
        for key in await repository.signing_keys_unretired(session):
            if key.superseded_at is None:
                key.superseded_at = now
        new_key = await self._create(session)
        retired = await self.retire_expired(session)
        return new_key, retired

    async def retire_expired(self, session: AsyncSession) -> list[SigningKey]:
        now = clock.now()
        retired = []
        for key in await repository.signing_keys_unretired(session):
            if key.superseded_at is not None and key.superseded_at + self._token_lifetime < now:
                key.retired_at = now
                key.private_key_encrypted = None
                self._private.pop(key.kid, None)
                self._public.pop(key.kid, None)
                retired.append(key)
        await session.flush()
        return retired

    async def signing_key(self, session: AsyncSession) -> ActiveKey:
        key = await self.ensure_active(session)
        private = self._private.get(key.kid)
        if private is None:
            if key.private_key_encrypted is None:
                raise RuntimeError("the active signing key has no private half")
            pem = self._master_key.decrypt(key.private_key_encrypted, context=key.kid)
            loaded = serialization.load_pem_private_key(pem, password=None)
            if not isinstance(loaded, Ed25519PrivateKey):
                raise RuntimeError("signing key is not Ed25519")
            private = self._private[key.kid] = loaded
        return ActiveKey(key.kid, private)

    async def verification_key(self, session: AsyncSession, kid: str) -> Ed25519PublicKey | None:
        """The public key for `kid` if it is still unretired (cached briefly, misses included)."""
        cached = self._public.get(kid)
        if cached is not None and time.monotonic() - cached[0] < self._cache_seconds:
            return cached[1]
        row = (
            await session.execute(
                select(SigningKey).where(SigningKey.kid == kid, SigningKey.retired_at.is_(None))
            )
        ).scalar_one_or_none()
        public = None
        if row is not None:
            loaded = OKPAlgorithm.from_jwk(row.public_jwk)
            public = loaded if isinstance(loaded, Ed25519PublicKey) else None
        self._public[kid] = (time.monotonic(), public)
        return public

    async def jwks(self, session: AsyncSession) -> dict[str, Any]:
        keys: Sequence[SigningKey] = await repository.signing_keys_unretired(session)
        return {"keys": [k.public_jwk for k in keys]}
