"""Shared fixtures: a migrated database (SQLite, or PostgreSQL when ATOM_TEST_DATABASE_URL says so),
the app in-process over ASGI, a live server on 127.0.0.1, and a small GraphQL client."""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy.engine import make_url
from starlette.types import ASGIApp

from domain.auth.secrets import MasterKey
from domain.storage import ObjectStorage, make_storage
from server.app import create_app
from server.migrate import upgrade
from server.serving import uvicorn_config
from server.settings import Settings
from tests.helpers import GraphQL


def _postgres_database(base_url: str) -> tuple[str, str]:
    """Create a fresh database on the server of `base_url`; returns (async URL, name)."""
    url = make_url(base_url)
    name = f"atom_test_{uuid.uuid4().hex[:10]}"
    admin = url.set(drivername="postgresql", database=url.database or "postgres")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False), name


def _drop_postgres_database(base_url: str, name: str) -> None:
    url = make_url(base_url)
    admin = url.set(drivername="postgresql", database=url.database or "postgres")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    base = os.environ.get("ATOM_TEST_DATABASE_URL", "")
    if base.startswith("postgresql"):
        url, name = _postgres_database(base)
        upgrade(url)
        yield url
        _drop_postgres_database(base, name)
    else:
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'atom.db'}"
        upgrade(url)
        yield url


@pytest.fixture(scope="session")
def is_postgres(database_url: str) -> bool:
    return database_url.startswith("postgresql")


def make_settings(database_url: str, home: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "home": home,
        "master_key": MasterKey.generate_b64(),
        "seed_demo_on_first_start": False,
        # tests move the clock across month ends and finalize invoices themselves
        "billing_close_periods": False,
        "env": "development",
        "issuer": "http://atom.test",
        **_storage_settings(home),
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


# ---- Object storage: a directory under each test home (default), or MinIO when ATOM_TEST_STORAGE=minio
# (scripts/test starts one for the PostgreSQL run). All MinIO tests of a session share one fresh bucket.

TEST_STORAGE = os.environ.get("ATOM_TEST_STORAGE", "local")
TEST_MINIO_BUCKET = f"atom-test-{uuid.uuid4().hex[:12]}"


def _storage_settings(home: Path) -> dict[str, object]:
    if TEST_STORAGE == "local":
        return {"storage_backend": "local", "storage_path": home / "objects"}
    if TEST_STORAGE != "minio":
        raise pytest.UsageError(f"ATOM_TEST_STORAGE={TEST_STORAGE!r}: use local or minio")
    missing = [
        name
        for name in ("ATOM_TEST_MINIO_ENDPOINT", "ATOM_TEST_MINIO_ACCESS_KEY", "ATOM_TEST_MINIO_SECRET_KEY")
        if not os.environ.get(name)
    ]
    if missing:
        raise pytest.UsageError(
            f"ATOM_TEST_STORAGE=minio needs {', '.join(missing)} (scripts/minio.sh start)"
        )
    return {
        "storage_backend": "minio",
        "minio_endpoint": os.environ["ATOM_TEST_MINIO_ENDPOINT"],
        "minio_access_key": os.environ["ATOM_TEST_MINIO_ACCESS_KEY"],
        "minio_secret_key": os.environ["ATOM_TEST_MINIO_SECRET_KEY"],
        "minio_bucket": TEST_MINIO_BUCKET,
        "minio_secure": False,
    }


@pytest.fixture(scope="session", autouse=True)
def _minio_test_bucket() -> Iterator[None]:
    """Removes the session's MinIO bucket, with whatever the tests left in it, when the session ends."""
    yield
    if TEST_STORAGE != "minio":
        return
    from minio import Minio
    from minio.deleteobjects import DeleteObject

    client = Minio(
        os.environ["ATOM_TEST_MINIO_ENDPOINT"],
        access_key=os.environ["ATOM_TEST_MINIO_ACCESS_KEY"],
        secret_key=os.environ["ATOM_TEST_MINIO_SECRET_KEY"],
        secure=False,
        region="us-east-1",
    )
    if not client.bucket_exists(TEST_MINIO_BUCKET):
        return
    names = [item.object_name for item in client.list_objects(TEST_MINIO_BUCKET, recursive=True)]
    errors = list(client.remove_objects(TEST_MINIO_BUCKET, (DeleteObject(name) for name in names if name)))
    assert not errors, errors
    uploads = client._list_multipart_uploads(TEST_MINIO_BUCKET).uploads
    for upload in uploads:
        if upload.object_name and upload.upload_id:
            client._abort_multipart_upload(TEST_MINIO_BUCKET, upload.object_name, upload.upload_id)
    client.remove_bucket(TEST_MINIO_BUCKET)


@pytest.fixture(scope="session")
def storage(settings: Settings) -> ObjectStorage:
    """The object storage of the app under test (`settings`): same backend, same directory or bucket."""
    return make_storage(settings.storage_config)


# ---- end of object storage


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return make_settings(database_url, tmp_path_factory.mktemp("home"))


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
def gql(client: httpx.AsyncClient) -> GraphQL:
    return GraphQL(client)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    """A real uvicorn server in a thread, bound to 127.0.0.1, for browsers, fuzzers, SDKs and gateways."""

    def __init__(self, app: ASGIApp, port: int | None = None, settings: Settings | None = None) -> None:
        """`settings`: ATOM's app, served as `atom serve` serves it (server/serving.py)."""
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        if settings is not None:
            config = uvicorn_config(app, settings, host="127.0.0.1", port=self.port)
        else:
            config = uvicorn.Config(
                app, host="127.0.0.1", port=self.port, log_config=None, lifespan="on", proxy_headers=False
            )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("live server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def start_live_server(settings: Settings) -> LiveServer:
    # Its own app and engine: the server runs on its own event loop in its own thread.
    server = LiveServer(create_app(settings), settings=settings)
    server.start()
    return server


@pytest.fixture(scope="session")
def live_server(settings: Settings) -> Iterator[LiveServer]:
    server = start_live_server(settings)
    yield server
    server.stop()
