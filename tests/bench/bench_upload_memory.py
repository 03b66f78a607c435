"""Resident-memory growth while a 200 MB stream is uploaded into each storage backend, then read back.

Run: .venv/bin/python -m tests.bench.bench_upload_memory [--mb 200] [--backend local|minio ...]
MinIO is measured when ATOM_TEST_MINIO_ENDPOINT/_ACCESS_KEY/_SECRET_KEY are set
(`eval "$(scripts/minio.sh start)"`); it uses a fresh bucket and removes it. Each backend runs in a
fresh interpreter so one measurement cannot inherit another's heap. Growth is the peak resident set
(VmHWM, reset through /proc/self/clear_refs) during the transfer minus the resident set (VmRSS) just
before it, for a first and a second upload (allocator arenas grow on the first). The target (issue 3)
is less than 64 MB for either upload. Not a test: prints the figures and
exits 1 when a figure misses the target.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

MB = 1024 * 1024
CHUNK = 64 * 1024  # what an ASGI server hands over per `receive`
TARGET_MB = 64


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current VmRSS
    except OSError:
        return False
    return True


async def _generated(total: int) -> AsyncIterator[bytes]:
    block = bytearray(os.urandom(CHUNK))
    sent = 0
    counter = 0
    while sent < total:
        block[:8] = counter.to_bytes(8, "little")  # every chunk differs, none is kept
        piece = bytes(block[: min(CHUNK, total - sent)])
        sent += len(piece)
        counter += 1
        yield piece


async def _measure(backend: str, total: int) -> dict[str, object]:
    from domain.storage import LocalStorage, MinioStorage, ObjectStorage

    cleanup = None
    storage: ObjectStorage
    if backend == "local":
        directory = tempfile.TemporaryDirectory(prefix="atom-bench-")
        storage = LocalStorage(directory.name)
        cleanup = directory.cleanup
    else:
        storage = MinioStorage(
            endpoint=os.environ["ATOM_TEST_MINIO_ENDPOINT"],
            access_key=os.environ["ATOM_TEST_MINIO_ACCESS_KEY"],
            secret_key=os.environ["ATOM_TEST_MINIO_SECRET_KEY"],
            bucket=f"atom-bench-{uuid.uuid4().hex[:10]}",
        )
    try:
        # Warm up the imports, the HTTP pool and the worker threads, but not the part buffers: the
        # first large upload is measured as a server would meet it, the second as it runs afterwards.
        await storage.put_stream("warm-up", _generated(10), max_bytes=total)
        async for _ in await storage.open_stream("warm-up"):
            pass
        await storage.delete("warm-up")
        uploads = []
        for attempt in ("first", "second"):
            gc.collect()
            before = _status_kb("VmRSS")
            exact = _reset_peak()
            began = time.perf_counter()
            stored = await storage.put_stream(f"artifact-{attempt}", _generated(total), max_bytes=total)
            seconds = time.perf_counter() - began
            uploads.append(((_status_kb("VmHWM") - before) / 1024, total / MB / seconds, before / 1024))
            assert stored.size == total

        gc.collect()
        before_read = _status_kb("VmRSS")
        _reset_peak()
        began = time.perf_counter()
        hasher = hashlib.sha256()
        async for chunk in await storage.open_stream("artifact-second"):
            hasher.update(chunk)
        read_seconds = time.perf_counter() - began
        read_peak = _status_kb("VmHWM")
        assert hasher.hexdigest() == stored.sha256
        for attempt in ("first", "second"):
            await storage.delete(f"artifact-{attempt}")
    finally:
        if isinstance(storage, MinioStorage):
            storage._client.remove_bucket(storage.bucket)
        if cleanup is not None:
            cleanup()
    return {
        "backend": backend,
        "mb": total / MB,
        "rss_before_mb": uploads[0][2],
        "first_upload_growth_mb": uploads[0][0],
        "upload_growth_mb": max(growth for growth, _, _ in uploads),
        "second_upload_growth_mb": uploads[1][0],
        "upload_mb_s": min(rate for _, rate, _ in uploads),
        "download_growth_mb": (read_peak - before_read) / 1024,
        "download_mb_s": total / MB / read_seconds,
        "peak_reset": exact,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--backend", action="append", choices=["local", "minio"])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        print(json.dumps(asyncio.run(_measure(args.backend[0], args.mb * MB))))
        return 0

    backends = args.backend or ["local", "minio"]
    failed = False
    print(
        f"{'backend':8} {'size':>7} {'RSS before':>11} {'1st upload +RSS':>16} {'2nd upload +RSS':>16} "
        f"{'MB/s':>6} {'download +RSS':>14} {'MB/s':>6}"
    )
    for backend in backends:
        if backend == "minio" and not os.environ.get("ATOM_TEST_MINIO_ENDPOINT"):
            print(f'{backend:8} skipped: no ATOM_TEST_MINIO_ENDPOINT (eval "$(scripts/minio.sh start)")')
            continue
        child = subprocess.run(
            [
                sys.executable,
                "-m",
                "tests.bench.bench_upload_memory",
                "--child",
                "--backend",
                backend,
                "--mb",
                str(args.mb),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if child.returncode != 0:
            print(f"{backend:8} FAILED\n{child.stderr}")
            failed = True
            continue
        r = json.loads(child.stdout.strip().splitlines()[-1])
        verdict = "ok" if r["upload_growth_mb"] < TARGET_MB else f"OVER the {TARGET_MB} MB target"
        failed |= r["upload_growth_mb"] >= TARGET_MB
        print(
            f"{backend:8} {r['mb']:>5.0f}MB {r['rss_before_mb']:>9.1f}MB {r['first_upload_growth_mb']:>14.1f}MB "
            f"{r['second_upload_growth_mb']:>14.1f}MB "
            f"{r['upload_mb_s']:>6.0f} {r['download_growth_mb']:>12.1f}MB {r['download_mb_s']:>6.0f}  {verdict}"
            + ("" if r["peak_reset"] else "  (VmHWM could not be reset: growth is an upper bound)")
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
