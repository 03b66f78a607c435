"""Builders of real WPK artifacts on disk, well-formed and hostile, for the marketplace tests.

Everything is written in streaming fashion (a zip bomb of gigabytes stays kilobytes on disk and
in memory) and reproducibly: fixed times and modes, sorted members, so the same call gives the
same bytes and the same sha256.
"""

from __future__ import annotations

import enum
import gzip
import io
import json
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import yaml

Format = Literal["tar.gz", "zip"]
DEFAULT_FILES: dict[str, bytes] = {"main.py": b'print("hello")\n'}
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


class _Default(enum.Enum):
    MANIFEST = enum.auto()


def default_manifest(name: str = "hello", version: str = "1.0.0", **overrides: Any) -> dict[str, Any]:
    """A valid manifest for DEFAULT_FILES; an override of None removes that key."""
    manifest: dict[str, Any] = {
        "name": name,
        "version": version,
        "entrypoint": "main.py",
        "description": "Says hello.",
        "capabilities": {"shell": False, "autoRun": False},
        "inputs": {"type": "object", "properties": {"who": {"type": "string"}}},
        "outputs": {"type": "object"},
    }
    for key, value in overrides.items():
        if value is None:
            manifest.pop(key, None)
        else:
            manifest[key] = value
    return manifest


def manifest_bytes(manifest: dict[str, Any], manifest_name: str = "wpk.yaml") -> bytes:
    if manifest_name.endswith(".json"):
        return json.dumps(manifest, indent=2).encode()
    return yaml.safe_dump(manifest, sort_keys=False).encode()


def build_wpk(
    path: Path,
    *,
    fmt: Format = "tar.gz",
    manifest: dict[str, Any] | bytes | _Default | None = _Default.MANIFEST,
    manifest_name: str = "wpk.yaml",
    files: dict[str, bytes] | None = None,
    prefix_dir: str | None = None,
) -> Path:
    """An artifact holding `files` (DEFAULT_FILES by default) and a manifest (`default_manifest()`
    by default; a dict is written as YAML or JSON after `manifest_name`, bytes as they are, None
    leaves it out), all under `prefix_dir/` when given, with their parent directories listed."""
    contents = dict(DEFAULT_FILES if files is None else files)
    if manifest is _Default.MANIFEST:
        manifest = default_manifest()
    if isinstance(manifest, dict):
        contents[manifest_name] = manifest_bytes(manifest, manifest_name)
    elif isinstance(manifest, bytes):
        contents[manifest_name] = manifest
    if prefix_dir:
        contents = {f"{prefix_dir}/{name}": data for name, data in contents.items()}
    directories = sorted(
        {"/".join(name.split("/")[:i]) for name in contents for i in range(1, name.count("/") + 1)}
    )
    if fmt == "zip":
        write_zip(path, [(f"{d}/", b"") for d in directories] + sorted(contents.items()))
    else:
        members: list[tuple[tarfile.TarInfo, bytes]] = [
            (tar_info(d, type=tarfile.DIRTYPE), b"") for d in directories
        ]
        members += [(tar_info(name, len(data)), data) for name, data in sorted(contents.items())]
        write_tar_gz(path, members)
    return path


# --- low-level writers --------------------------------------------------------------------------


def tar_info(
    name: str, size: int = 0, *, type: bytes = tarfile.REGTYPE, linkname: str = ""
) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.type = type
    info.linkname = linkname
    info.mode = 0o755 if type == tarfile.DIRTYPE else 0o644
    info.mtime = 0
    return info


@contextmanager
def _gzip_file(path: Path) -> Iterator[gzip.GzipFile]:
    with (
        path.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz,
    ):
        yield gz


def write_tar_gz(path: Path, members: Iterable[tuple[tarfile.TarInfo, bytes | io.RawIOBase]]) -> Path:
    """A tar.gz of exactly these members; data may be a stream (read up to the member's size)."""
    with _gzip_file(path) as gz, tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for info, data in members:
            stream = io.BytesIO(data) if isinstance(data, bytes) else data
            archive.addfile(info, stream if info.isreg() else None)
    return path


def write_gzip(path: Path, data: bytes) -> Path:
    with _gzip_file(path) as gz:
        gz.write(data)
    return path


def write_zip(path: Path, entries: Iterable[tuple[str | zipfile.ZipInfo, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for entry, data in entries:
            info = entry if isinstance(entry, zipfile.ZipInfo) else zip_info(entry)
            archive.writestr(info, data)
    return path


def zip_info(name: str, *, mode: int | None = None) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    is_dir = name.endswith("/")
    info.compress_type = zipfile.ZIP_STORED if is_dir else zipfile.ZIP_DEFLATED
    info.external_attr = (mode if mode is not None else (0o40755 if is_dir else 0o100644)) << 16
    return info


class Zeros(io.RawIOBase):
    """`size` zero bytes, produced on demand."""

    def __init__(self, size: int) -> None:
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = min(len(buffer), self.left)
        buffer[:count] = bytes(count)
        self.left -= count
        return count


def _with_manifest(entries: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    return [("wpk.yaml", manifest_bytes(default_manifest())), *DEFAULT_FILES.items(), *entries]


# --- hostile artifacts ----------------------------------------------------------------------------


def build_with_member(path: Path, member_name: str, data: bytes = b"x", *, fmt: Format = "tar.gz") -> Path:
    """A valid package plus one member stored under exactly `member_name` ("../evil.py",
    "/etc/passwd", "C:/x", a name with a backslash or a NUL...): written as given, not cleaned."""
    entries = _with_manifest([(member_name, data)])
    if fmt == "zip":
        infos: list[tuple[str | zipfile.ZipInfo, bytes]] = []
        for name, content in entries:
            info = zip_info(name)
            info.filename = info.orig_filename = name  # ZipInfo cuts a name at a NUL
            infos.append((info, content))
        return write_zip(path, infos)
    return write_tar_gz(path, [(tar_info(name, len(content)), content) for name, content in entries])


def build_link_tar(
    path: Path,
    *,
    kind: Literal["symlink", "hardlink"] = "symlink",
    name: str = "link",
    target: str = "/etc/passwd",
) -> Path:
    link_type = tarfile.SYMTYPE if kind == "symlink" else tarfile.LNKTYPE
    members = [(tar_info(n, len(d)), d) for n, d in _with_manifest([])]
    return write_tar_gz(path, [*members, (tar_info(name, type=link_type, linkname=target), b"")])


def build_special_tar(path: Path, *, type: bytes = tarfile.FIFOTYPE, name: str = "pipe") -> Path:
    members = [(tar_info(n, len(d)), d) for n, d in _with_manifest([])]
    return write_tar_gz(path, [*members, (tar_info(name, type=type), b"")])


def build_zip_symlink(path: Path, *, name: str = "link", target: str = "/etc/passwd") -> Path:
    entries: list[tuple[str | zipfile.ZipInfo, bytes]] = list(_with_manifest([]))
    link = zip_info(name, mode=0o120777)
    link.compress_type = zipfile.ZIP_STORED
    entries.append((link, target.encode()))
    return write_zip(path, entries)


def build_bomb(path: Path, *, fmt: Format = "zip", size: int = 8 * 1024 * 1024, members: int = 1) -> Path:
    """A valid package plus `members` members of `size` zero bytes each, compressed as hard as
    possible: about 1/1000 of `size` on disk, written without ever holding `size` bytes."""
    names = [f"zeros-{i}.bin" for i in range(members)]
    if fmt == "zip":
        with zipfile.ZipFile(path, "w") as archive:
            for name, data in _with_manifest([]):
                archive.writestr(zip_info(name), data)
            for name in names:
                info = zip_info(name)
                with archive.open(info, "w", force_zip64=size > 0x7FFFFFFF) as out:
                    zeros = Zeros(size)
                    while chunk := zeros.read(1024 * 1024):
                        out.write(chunk)
        return path
    manifest = [(tar_info(n, len(d)), d) for n, d in _with_manifest([])]
    return write_tar_gz(path, [*manifest, *((tar_info(name, size), Zeros(size)) for name in names)])


def build_many_members(path: Path, *, count: int, fmt: Format = "tar.gz") -> Path:
    """A valid package padded with tiny members up to `count` members in all."""
    extra = [(f"files/{i:05d}.txt", b"") for i in range(count - 2)]
    entries = _with_manifest(extra)
    if fmt == "zip":
        return write_zip(path, entries)
    return write_tar_gz(path, [(tar_info(name, len(data)), data) for name, data in entries])


def build_lying_zip(path: Path, *, declared_size: int, actual: bytes) -> Path:
    """A zip whose member "data.bin" declares `declared_size` bytes (and the CRC of that many
    first bytes, so a reader that stops at the declared size sees nothing wrong) while its
    deflate stream holds all of `actual`."""
    write_zip(path, _with_manifest([("data.bin", actual)]))
    blob = bytearray(path.read_bytes())
    fake_crc = zlib.crc32(actual[:declared_size])
    # (signature, offset of the CRC, of the uncompressed size, of the name length, of the name)
    for signature, crc_at, size_at, name_size_at, name_at in (
        (b"PK\x03\x04", 14, 22, 26, 30),
        (b"PK\x01\x02", 16, 24, 28, 46),
    ):
        start = 0
        while (start := blob.find(signature, start)) >= 0:
            (name_size,) = struct.unpack_from("<H", blob, start + name_size_at)
            if blob[start + name_at : start + name_at + name_size] == b"data.bin":
                struct.pack_into("<L", blob, start + crc_at, fake_crc)
                struct.pack_into("<L", blob, start + size_at, declared_size)
            start += 4
    path.write_bytes(bytes(blob))
    return path


def build_tar_with_short_header(path: Path, *, declared_size: int, actual: bytes) -> Path:
    """A tar.gz whose member "data.txt" declares `declared_size` bytes but is followed by all of
    `actual`: the surplus sits where the next header should be."""
    blocks = b"".join(
        tar_info(name, len(data)).tobuf(tarfile.PAX_FORMAT) + data + bytes(-len(data) % 512)
        for name, data in _with_manifest([])
    )
    blocks += (
        tar_info("data.txt", declared_size).tobuf(tarfile.PAX_FORMAT) + actual + bytes(-len(actual) % 512)
    )
    return write_gzip(path, blocks + bytes(1024))


def build_chained_pax_headers(path: Path, *, count: int = 3000) -> Path:
    """A tar.gz whose one member is preceded by `count` pax extended headers (a few KiB on disk)."""
    payload = b"20 comment=aaaaaaaa\n"
    header = tarfile.TarInfo("././@PaxHeader")
    header.type, header.size = tarfile.XHDTYPE, len(payload)
    pax = header.tobuf(tarfile.USTAR_FORMAT) + payload + bytes(-len(payload) % 512)
    data = DEFAULT_FILES["main.py"]
    member = tar_info("main.py", len(data)).tobuf(tarfile.USTAR_FORMAT) + data + bytes(-len(data) % 512)
    return write_gzip(path, pax * count + member + bytes(1024))


def build_overlapping_zip(path: Path) -> Path:
    """A zip whose central directory lists the one local entry twice, under the same name: the
    overlapping-entries technique of "better" zip bombs (many entries, one compressed kernel)."""
    write_zip(path, [("main.py", DEFAULT_FILES["main.py"])])
    blob = path.read_bytes()
    cd_at = blob.index(b"PK\x01\x02")
    eocd_at = blob.index(b"PK\x05\x06")
    record = blob[cd_at:eocd_at]
    eocd = bytearray(blob[eocd_at:])
    struct.pack_into("<2H2L", eocd, 8, 2, 2, 2 * len(record), cd_at)
    return _write(path, blob[:cd_at] + record + record + bytes(eocd))


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
