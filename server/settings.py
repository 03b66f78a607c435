"""Settings, read once from `ATOM_*` environment variables. The embedded default needs none of them."""

from __future__ import annotations

import ipaddress
import os
from datetime import timedelta
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from domain.auth.issuers import IssuerUrlPolicy
from domain.auth.secrets import MasterKey
from domain.storage import StorageConfig

DEFAULT_HOME = Path(".atom")
DEFAULT_WEB_DIST = Path(__file__).resolve().parent.parent / "web" / "dist"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ATOM_", extra="ignore")

    env: Literal["development", "production"] = "development"
    home: Path = DEFAULT_HOME
    database_url: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = ""
    # Reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed: comma-separated
    # addresses or networks ("10.0.0.0/8,127.0.0.1"), or "*" for any. Empty: none, and the client
    # address (audit entries, per-address limits) is the connection's own.
    trusted_proxies: str = ""

    # Tokens
    issuer: str = ""
    audience: str = "atom-cloud"
    access_token_minutes: int = 15
    refresh_token_days: int = 30
    master_key: SecretStr | None = None

    # Trusted issuers (docs/federation.md): fetching their JWKS
    trusted_issuer_fetch_timeout_seconds: float = Field(default=5.0, gt=0)
    trusted_issuer_jwks_cache_seconds: float = Field(default=600.0, ge=0)
    # An unknown `kid` refetches an issuer's JWKS at most this often
    trusted_issuer_refresh_interval_seconds: float = Field(default=30.0, ge=0)
    # http:// issuer and JWKS URLs. None: the profile decides (allowed in development only).
    trusted_issuer_allow_http: bool | None = None
    # JWKS URLs on private, loopback or link-local addresses (None: allowed in development only)
    trusted_issuer_allow_private_addresses: bool | None = None

    # GraphQL surface. None means "the profile decides" (on in development, off in production).
    graphiql: bool | None = None
    introspection: bool | None = None
    field_suggestions: bool | None = None
    max_depth: int = 12
    max_aliases: int = 30
    max_directives: int = 50
    max_tokens: int = 4000
    max_body_bytes: int = 1_000_000
    max_page_size: int = 100
    batching_max_operations: int = 0  # 0: batched requests are refused
    parser_cache_size: int = 1000
    validation_cache_size: int = 1000

    # Marketplace
    max_upload_bytes: int = 512 * 1024 * 1024
    sigstore_trust: Literal["production", "staging"] = "production"

    # Billing
    # the publishers' share of package charges, in basis points
    billing_publisher_share_bps: int = Field(default=8000, ge=0, le=10000)
    usage_max_future_seconds: int = Field(default=300, ge=0)  # how far ahead of now an event may be stamped
    billing_close_periods: bool = True  # the server finalizes ended periods' invoices by itself

    # Stripe: off without an API key. The API base is for stripe-mock in tests.
    stripe_api_key: SecretStr | None = None
    stripe_api_base: str = ""  # empty: Stripe's own (https://api.stripe.com)
    stripe_webhook_secret: SecretStr | None = None
    stripe_webhook_tolerance_seconds: int = 300
    stripe_sync_interval_seconds: float = 5.0

    # Live events: how committed events reach the subscribers of every replica. `auto` is
    # PostgreSQL LISTEN/NOTIFY on PostgreSQL and in-process on SQLite (one process).
    event_transport: Literal["auto", "inprocess", "postgres"] = "auto"
    # Subscriptions (WebSocket at /graphql)
    ws_connection_init_timeout_seconds: float = Field(default=10.0, gt=0)
    ws_max_connections_per_client: int = Field(default=50, ge=1)  # per client address, per replica
    ws_max_subscriptions_per_connection: int = Field(default=100, ge=1)
    ws_subscriber_buffer: int = Field(default=256, ge=1)  # events a slow subscriber may fall behind
    usage_updates_interval_seconds: float = Field(default=1.0, gt=0)  # throttle of usageUpdates

    # Audit: signed checkpoints of every chain that grew, this often (0: only on demand)
    audit_checkpoint_interval_seconds: int = Field(default=3600, ge=0)

    log_level: str = "INFO"
    seed_demo_on_first_start: bool = True
    # The Launchpad's built assets (scripts/web.sh build), served at /; None: web/dist of this checkout
    web_dist: Path | None = None

    # ---- Object storage (artifact bytes): a local directory by default, or MinIO/S3.
    storage_backend: Literal["local", "minio"] = "local"
    storage_path: Path | None = None  # None: <home>/objects
    minio_endpoint: str = ""  # host:port (or http(s)://host:port)
    minio_access_key: str = ""
    minio_secret_key: SecretStr | None = None
    minio_bucket: str = "atom-artifacts"
    minio_region: str = "us-east-1"
    minio_secure: bool = False

    @property
    def storage_config(self) -> StorageConfig:
        return StorageConfig(
            backend=self.storage_backend,
            path=self.storage_path if self.storage_path is not None else self.home / "objects",
            minio_endpoint=self.minio_endpoint,
            minio_access_key=self.minio_access_key,
            minio_secret_key=self.minio_secret_key.get_secret_value() if self.minio_secret_key else "",
            minio_bucket=self.minio_bucket,
            minio_region=self.minio_region,
            minio_secure=self.minio_secure,
        )

    # ---- end of object storage

    @model_validator(mode="after")
    def _defaults(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite+aiosqlite:///{self.home / 'atom.db'}"
        if not self.public_url:
            self.public_url = (
                f"http://{'localhost' if self.host in ('127.0.0.1', '0.0.0.0') else self.host}:{self.port}"  # noqa: S104
            )
        if not self.issuer:
            self.issuer = self.public_url
        if self.production and self.master_key is None:
            raise ValueError("ATOM_MASTER_KEY is required in production")
        for proxy in self.trusted_proxy_list:
            if proxy == "*":
                continue
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError:
                raise ValueError(f"ATOM_TRUSTED_PROXIES: {proxy!r} is not an IP address or network") from None
        return self

    @property
    def trusted_proxy_list(self) -> tuple[str, ...]:
        return tuple(p.strip() for p in self.trusted_proxies.split(",") if p.strip())

    @property
    def launchpad_dist(self) -> Path:
        return self.web_dist if self.web_dist is not None else DEFAULT_WEB_DIST

    @property
    def production(self) -> bool:
        return self.env == "production"

    def _profile(self, value: bool | None) -> bool:
        return (not self.production) if value is None else value

    @property
    def graphiql_enabled(self) -> bool:
        return self._profile(self.graphiql)

    @property
    def introspection_enabled(self) -> bool:
        return self._profile(self.introspection)

    @property
    def field_suggestions_enabled(self) -> bool:
        return self._profile(self.field_suggestions)

    @property
    def trusted_issuer_urls(self) -> IssuerUrlPolicy:
        return IssuerUrlPolicy(
            allow_http=self._profile(self.trusted_issuer_allow_http),
            allow_private_addresses=self._profile(self.trusted_issuer_allow_private_addresses),
        )

    @property
    def access_token_ttl(self) -> timedelta:
        return timedelta(minutes=self.access_token_minutes)

    @property
    def refresh_token_ttl(self) -> timedelta:
        return timedelta(days=self.refresh_token_days)

    @cached_property
    def master(self) -> MasterKey:
        """The master key: from ATOM_MASTER_KEY, or generated once into `<home>/master.key`."""
        if self.master_key is not None:
            return MasterKey.from_b64(self.master_key.get_secret_value())
        path = self.home / "master.key"
        if not path.exists():
            self.home.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(MasterKey.generate_b64())
        return MasterKey.from_b64(path.read_text().strip())

    def ensure_home(self) -> None:
        if self.database_url.startswith("sqlite"):
            self.home.mkdir(parents=True, exist_ok=True)


def get_settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]


__all__ = ["Field", "Settings", "get_settings"]
