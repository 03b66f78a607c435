"""Safe reading of a WPK artifact (a gzip'd tar or a zip) from a file on disk, member by member.

`open_archive` checks the whole artifact before anything reads a member: its format by magic
bytes, every member's path and type, the member count, declared and real sizes and the
compression ratio; then it finds the manifest. Nothing is extracted and nothing is held in
memory beyond one bounded chunk: callers spill an upload to a temporary file and pass its path.

The limits (`ArchiveLimits`, defaults in brackets):
- `max_members` [1000]: entries of any kind, counted as the archive lists them.
- `max_total_uncompressed` [256 MiB]: the sum of the members' sizes.
- `max_member_size` [64 MiB]: one member's size.
- `max_ratio` [100]: uncompressed / compressed bytes, per zip member and over the whole archive
  (for a tar.gz, the decompressed tar stream over the file's size). Checked only past
  `ratio_grace_bytes` [1 MiB] of uncompressed data, so that small, very regular text files
  (a tar's zero padding alone compresses ~70x) are not mistaken for bombs.
- `max_path_length` [1024]: bytes of a member's path (UTF-8).

Declared sizes are checked first; the real decompressed bytes are then counted while they are read
and reading stops at the cap: a zip member that inflates past its declared size, or a tar stream
that grows past the caps, is refused without being decompressed further.

Every refusal is `InvalidInput` with field "artifact" and a `MarketplaceErrorCode`:
NOT_AN_ARCHIVE (not a gzip'd tar or zip, a plain tar, truncated or corrupt, data hidden between
or after members), PATH_TRAVERSAL (`..`, absolute paths, drive letters, backslashes, NUL),
LINK_NOT_ALLOWED (symbolic and hard links), INVALID (devices, fifos, sparse files, encrypted or
unusually compressed zip members, duplicate paths, control characters, non-UTF-8 names),
TOO_MANY_MEMBERS, ARCHIVE_TOO_LARGE, COMPRESSION_RATIO_EXCEEDED, MANIFEST_MISSING and
MANIFEST_INVALID (more than one manifest).
"""

from __future__ import annotations

import contextlib
import enum
import gzip
import re
import stat
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Generator, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from domain.errors import InvalidInput
from domain.marketplace.errors import MarketplaceErrorCode as Code

MiB = 1024 * 1024
MANIFEST_NAMES = ("wpk.yaml", "wpk.yml", "wpk.json")

_CHUNK = 64 * 1024
# tarfile reads a pax or GNU long-name header in one call; real ones are a few KiB.
_MAX_TAR_HEADER_READ = 1 * MiB
# The tar stream also holds headers (512 B, plus pax or long-name blocks) and end padding.
_TAR_OVERHEAD_PER_MEMBER = 8 * 1024
_TAR_OVERHEAD = 1 * MiB
# A zip central-directory entry is 46 bytes plus name, extra field and comment.
_ZIP_CD_BYTES_PER_MEMBER = 46 + 2048
_ZIP_DATA_DESCRIPTOR_SIZES = frozenset({12, 16, 20, 24})
_ZIP_STORED, _ZIP_DEFLATED = 0, 8
_ZIP_ENCRYPTED_FLAGS = 0x1 | 0x20 | 0x40  # encrypted, patched data, strong encryption
_ZIP_DATA_DESCRIPTOR_FLAG = 0x8
_ZIP_UTF8_FLAG = 0x800
_DRIVE_LETTER = re.compile(r"^[A-Za-z]:")
_CONTROL_CHARACTER = re.compile(r"[\x01-\x1f\x7f]")


@dataclass(frozen=True)
class ArchiveLimits:
    """Caps applied to an artifact; the module docstring explains each and its default."""

    max_members: int = 1000
    max_total_uncompressed: int = 256 * MiB
    max_member_size: int = 64 * MiB
    max_ratio: float = 100.0
    ratio_grace_bytes: int = 1 * MiB
    max_path_length: int = 1024

    def __post_init__(self) -> None:
        if min(self.max_members, self.max_total_uncompressed, self.max_member_size, self.max_path_length) < 1:
            raise ValueError("archive limits must be positive")
        if self.max_ratio <= 1 or self.ratio_grace_bytes < 0:
            raise ValueError("max_ratio must exceed 1 and ratio_grace_bytes must not be negative")


class ArchiveFormat(enum.StrEnum):
    TAR_GZ = "tar.gz"
    ZIP = "zip"


@dataclass(frozen=True)
class ArchiveMember:
    """A member as listed: `path` is normalized ("/"-separated, no "./", no trailing "/")."""

    path: str
    size: int
    is_dir: bool


@dataclass(frozen=True)
class _Entry:
    """Where a file member's bytes are: in the decompressed tar stream, or in the zip file."""

    member: ArchiveMember
    data_offset: int
    compressed_size: int = 0
    method: int = _ZIP_STORED
    crc: int = 0


def _refuse(code: Code, message: str) -> InvalidInput:
    return InvalidInput(message, code=code, field="artifact")


@dataclass(frozen=True)
class WpkArchive:
    """An artifact that passed every check of `open_archive`. It keeps the path, not an open file:
    each `read` or `iter_files` opens it again, so the file must not change meanwhile."""

    path: Path
    format: ArchiveFormat
    members: tuple[ArchiveMember, ...]
    manifest_path: str
    limits: ArchiveLimits = field(repr=False)
    _entries: Mapping[str, _Entry] = field(repr=False)

    @property
    def package_root(self) -> str:
        """The folder holding the manifest ("" at the root): manifest paths are relative to it."""
        return self.manifest_path.rpartition("/")[0]

    def member(self, path: str) -> ArchiveMember | None:
        entry = self._entries.get(path)
        if entry is not None:
            return entry.member
        return next((m for m in self.members if m.is_dir and m.path == path), None)

    def read(self, path: str, max_bytes: int) -> bytes:
        """The first `max_bytes` bytes of the file member `path` (KeyError if there is none)."""
        entry = self._entries[path]
        with self.path.open("rb") as raw, _corrupt_data_refused():
            if self.format is ArchiveFormat.ZIP:
                return _collect(_zip_chunks(raw, entry), max_bytes)
            with _TarStream(raw, self.limits) as stream:
                return _collect(_tar_chunks(stream, entry), max_bytes)

    def iter_files(self, max_bytes: int) -> Iterator[tuple[ArchiveMember, bytes]]:
        """Every file member with its first `max_bytes` bytes, in archive order, in one pass."""
        entries = sorted(self._entries.values(), key=lambda e: e.data_offset)
        with self.path.open("rb") as raw, _corrupt_data_refused():
            if self.format is ArchiveFormat.ZIP:
                for entry in entries:
                    yield entry.member, _collect(_zip_chunks(raw, entry), max_bytes)
                return
            with _TarStream(raw, self.limits) as stream:
                for entry in entries:
                    yield entry.member, _collect(_tar_chunks(stream, entry), max_bytes)


def open_archive(path: Path, limits: ArchiveLimits | None = None) -> WpkArchive:
    """Check the artifact at `path` completely and return it, or raise `InvalidInput`."""
    limits = limits or ArchiveLimits()
    with path.open("rb") as raw, _corrupt_data_refused():
        magic = raw.read(4)
        raw.seek(0)
        if magic[:3] == b"\x1f\x8b\x08":
            fmt, (entries, directories) = ArchiveFormat.TAR_GZ, _scan_tar(raw, limits)
        elif magic in (b"PK\x03\x04", b"PK\x05\x06"):
            fmt, (entries, directories) = ArchiveFormat.ZIP, _scan_zip(raw, limits)
        else:
            raise _refuse(Code.NOT_AN_ARCHIVE, "the artifact is neither a gzip-compressed tar nor a zip")
    members = [e.member for e in entries] + directories
    _check_paths_distinct(members)
    by_path = {e.member.path: e for e in entries}
    return WpkArchive(
        path=path,
        format=fmt,
        members=tuple(sorted(members, key=lambda m: m.path)),
        manifest_path=_find_manifest(members),
        limits=limits,
        _entries=by_path,
    )


# --- paths ------------------------------------------------------------------------------------


def _normalize(name: str, limits: ArchiveLimits) -> str:
    """The member path with "." and empty segments removed; refuses anything that could escape."""
    if "\x00" in name:
        raise _refuse(Code.PATH_TRAVERSAL, f"member {name!r} has a NUL character in its path")
    if "\\" in name:
        raise _refuse(Code.PATH_TRAVERSAL, f"member {name!r} has a backslash in its path")
    if name.startswith("/"):
        raise _refuse(Code.PATH_TRAVERSAL, f"member {name!r} has an absolute path")
    if _DRIVE_LETTER.match(name):
        raise _refuse(Code.PATH_TRAVERSAL, f"member {name!r} starts with a drive letter")
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise _refuse(Code.PATH_TRAVERSAL, f"member {name!r} has a '..' segment")
    if _CONTROL_CHARACTER.search(name):
        raise _refuse(Code.INVALID, f"member {name!r} has a control character in its path")
    try:
        encoded = name.encode("utf-8")
    except UnicodeEncodeError:  # tarfile keeps undecodable bytes as lone surrogates
        raise _refuse(Code.INVALID, f"member {name!r} has a path that is not UTF-8") from None
    if len(encoded) > limits.max_path_length:
        raise _refuse(Code.INVALID, f"a member path is longer than {limits.max_path_length} bytes")
    return "/".join(parts)


def _check_paths_distinct(members: list[ArchiveMember]) -> None:
    """Two members must not land on one path when extracted, even on a case-insensitive file
    system, and a file must not stand where another member needs a directory."""
    files: dict[str, str] = {}
    directories: set[str] = set()
    for member in members:
        key = member.path.casefold()
        parents = key.split("/")[:-1]
        directories.update("/".join(parents[: i + 1]) for i in range(len(parents)))
        if member.is_dir:
            directories.add(key)
        elif key in files:
            raise _refuse(Code.INVALID, f"members {files[key]!r} and {member.path!r} have the same path")
        else:
            files[key] = member.path
    clash = sorted(set(files) & directories)
    if clash:
        raise _refuse(Code.INVALID, f"member {files[clash[0]]!r} is a file and a directory at once")


def _find_manifest(members: list[ArchiveMember]) -> str:
    files = {m.path for m in members if not m.is_dir}
    candidates = [name for name in MANIFEST_NAMES if name in files]
    tops = {m.path.split("/")[0] for m in members}
    if not candidates and len(tops) == 1:
        (top,) = tops
        if top not in files:
            candidates = [f"{top}/{name}" for name in MANIFEST_NAMES if f"{top}/{name}" in files]
    if not candidates:
        raise _refuse(
            Code.MANIFEST_MISSING,
            "the artifact has no wpk.yaml, wpk.yml or wpk.json at its root or in its single top-level folder",
        )
    if len(candidates) > 1:
        raise _refuse(
            Code.MANIFEST_INVALID, f"the artifact has more than one manifest: {', '.join(candidates)}"
        )
    return candidates[0]


# --- sizes ------------------------------------------------------------------------------------


class _SizeTally:
    """Declared sizes against the caps, member by member."""

    def __init__(self, limits: ArchiveLimits) -> None:
        self.limits = limits
        self.count = 0
        self.total = 0

    def add_member(self) -> None:
        self.count += 1
        if self.count > self.limits.max_members:
            raise _refuse(
                Code.TOO_MANY_MEMBERS, f"the artifact has more than {self.limits.max_members} members"
            )

    def add_size(self, path: str, size: int) -> None:
        if size > self.limits.max_member_size:
            raise _refuse(
                Code.ARCHIVE_TOO_LARGE,
                f"member {path!r} is {size} bytes uncompressed, over the {self.limits.max_member_size} limit",
            )
        self.total += size
        if self.total > self.limits.max_total_uncompressed:
            raise _refuse(
                Code.ARCHIVE_TOO_LARGE,
                f"the members are over {self.limits.max_total_uncompressed} bytes uncompressed in total",
            )


def _check_ratio(limits: ArchiveLimits, what: str, uncompressed: int, compressed: int) -> None:
    if uncompressed > limits.ratio_grace_bytes and uncompressed > limits.max_ratio * max(compressed, 1):
        raise _refuse(
            Code.COMPRESSION_RATIO_EXCEEDED,
            f"{what} expands more than {limits.max_ratio:g} times ({uncompressed} bytes from {compressed})",
        )


def _collect(chunks: Generator[bytes, None, None], max_bytes: int) -> bytes:
    parts: list[bytes] = []
    size = 0
    with contextlib.closing(chunks):
        for chunk in chunks:
            parts.append(chunk[: max_bytes - size])
            size += len(parts[-1])
            if size >= max_bytes:
                break
    return b"".join(parts)


@contextlib.contextmanager
def _corrupt_data_refused() -> Iterator[None]:
    """Errors of the decoders on malformed bytes are the artifact's fault: NOT_AN_ARCHIVE."""
    try:
        yield
    except RecursionError:  # tarfile reads chained pax or long-name headers recursively
        raise _refuse(
            Code.INVALID, "a member of the artifact has too many chained extended headers"
        ) from None
    except (
        tarfile.TarError,
        zipfile.BadZipFile,
        EOFError,
        zlib.error,
        OSError,
        ValueError,
        struct.error,
        NotImplementedError,
    ) as exc:
        # OSError covers gzip.BadGzipFile, ValueError names that are not UTF-8, NotImplementedError
        # zip versions zipfile does not know.
        raise _refuse(Code.NOT_AN_ARCHIVE, f"the artifact is truncated or corrupt: {exc}") from None


# --- tar.gz -----------------------------------------------------------------------------------


class _TarStream:
    """The decompressed tar stream, refusing to decompress past the size and ratio caps."""

    def __init__(self, raw: BinaryIO, limits: ArchiveLimits) -> None:
        raw.seek(0, 2)
        self._compressed_size = raw.tell()
        raw.seek(0)
        self._gzip = gzip.GzipFile(fileobj=raw, mode="rb")
        self._limits = limits
        self._cap = (
            limits.max_total_uncompressed + limits.max_members * _TAR_OVERHEAD_PER_MEMBER + _TAR_OVERHEAD
        )

    def __enter__(self) -> _TarStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _check(self, position: int) -> None:
        if position > self._cap:
            raise _refuse(Code.ARCHIVE_TOO_LARGE, f"the tar stream is over {self._cap} bytes uncompressed")
        _check_ratio(self._limits, "the archive", position, self._compressed_size)

    def read(self, size: int = -1, /) -> bytes:
        if size < 0 or size > _MAX_TAR_HEADER_READ:
            raise _refuse(Code.INVALID, "a tar header of the artifact is too large")
        data = self._gzip.read(size)
        self._check(self._gzip.tell())
        return data

    def seek(self, position: int, /) -> int:
        self._check(position)  # seeking forward decompresses everything up to the position
        return self._gzip.seek(position)

    def tell(self) -> int:
        return self._gzip.tell()

    def write(self, data: bytes, /) -> int:
        raise OSError("read-only")

    def close(self) -> None:
        self._gzip.close()


def _scan_tar(raw: BinaryIO, limits: ArchiveLimits) -> tuple[list[_Entry], list[ArchiveMember]]:
    entries: list[_Entry] = []
    directories: list[ArchiveMember] = []
    tally = _SizeTally(limits)
    with _TarStream(raw, limits) as stream, tarfile.TarFile(fileobj=stream, mode="r") as archive:
        # Iterating reads one header at a time; the checks run before the next header is sought,
        # so a member's declared size is refused before its data is decompressed.
        for info in archive:
            tally.add_member()
            path = _normalize(info.name, limits)
            if info.issym() or info.islnk():
                raise _refuse(Code.LINK_NOT_ALLOWED, f"member {info.name!r} is a link")
            if info.isdir():
                if path:
                    directories.append(ArchiveMember(path, 0, is_dir=True))
                continue
            if info.type not in (tarfile.REGTYPE, tarfile.AREGTYPE, tarfile.CONTTYPE) or info.issparse():
                raise _refuse(Code.INVALID, f"member {info.name!r} is not a regular file or directory")
            if not path:
                raise _refuse(Code.INVALID, f"member {info.name!r} has an empty path")
            tally.add_size(path, info.size)
            entries.append(_Entry(ArchiveMember(path, info.size, is_dir=False), info.offset_data))
        # Whatever follows the end of the archive must be padding: GNU tar would skip a damaged
        # header and extract later members that tarfile (and so the analysis) never saw.
        stream.seek(archive.offset)
        while chunk := stream.read(_CHUNK):
            if chunk.count(0) != len(chunk):
                raise _refuse(Code.NOT_AN_ARCHIVE, "the artifact has data after the end of its tar archive")
    return entries, directories


def _tar_chunks(stream: _TarStream, entry: _Entry) -> Generator[bytes, None, None]:
    stream.seek(entry.data_offset)
    left = entry.member.size
    while left:
        chunk = stream.read(min(_CHUNK, left))
        if not chunk:
            raise _refuse(Code.NOT_AN_ARCHIVE, f"member {entry.member.path!r} is truncated")
        left -= len(chunk)
        yield chunk


# --- zip --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _ZipDirectory:
    file_size: int
    entries: int
    offset: int
    size: int
    end: int  # where the central directory must end: the (zip64) end-of-central-directory record


def _zip_directory(raw: BinaryIO, limits: ArchiveLimits) -> _ZipDirectory:
    """Read the end-of-central-directory record ourselves, so that a huge or lying central
    directory is refused before zipfile loads all of it into memory."""
    raw.seek(0, 2)
    file_size = raw.tell()
    tail_start = max(0, file_size - 22 - 0xFFFF)
    raw.seek(tail_start)
    tail = raw.read()
    position = tail.rfind(b"PK\x05\x06")
    if position < 0 or len(tail) - position < 22:
        raise _refuse(Code.NOT_AN_ARCHIVE, "the zip has no end-of-central-directory record")
    (_, disk, cd_disk, _, entries, cd_size, cd_offset, comment_size) = struct.unpack(
        "<4s4H2LH", tail[position : position + 22]
    )
    if position + 22 + comment_size != len(tail):
        raise _refuse(Code.NOT_AN_ARCHIVE, "the zip has data after its end-of-central-directory record")
    end = tail_start + position
    if 0xFFFF in (entries, disk, cd_disk) or 0xFFFFFFFF in (cd_size, cd_offset):
        locator = tail[position - 20 : position] if position >= 20 else b""
        if len(locator) != 20 or locator[:4] != b"PK\x06\x07":
            raise _refuse(Code.NOT_AN_ARCHIVE, "the zip64 end-of-central-directory locator is missing")
        (_, disk, end, _) = struct.unpack("<4sLQL", locator)
        raw.seek(end)
        record = raw.read(56)
        if len(record) != 56 or record[:4] != b"PK\x06\x06":
            raise _refuse(Code.NOT_AN_ARCHIVE, "the zip64 end-of-central-directory record is missing")
        (_, _, _, _, disk, cd_disk, _, entries, cd_size, cd_offset) = struct.unpack("<4sQ2H2L4Q", record)
    if disk or cd_disk:
        raise _refuse(Code.NOT_AN_ARCHIVE, "multi-volume zips are not accepted")
    if entries > limits.max_members:
        raise _refuse(Code.TOO_MANY_MEMBERS, f"the artifact has more than {limits.max_members} members")
    if cd_size > limits.max_members * _ZIP_CD_BYTES_PER_MEMBER:
        raise _refuse(
            Code.TOO_MANY_MEMBERS,
            f"the zip central directory is larger than {limits.max_members} members need",
        )
    return _ZipDirectory(file_size=file_size, entries=entries, offset=cd_offset, size=cd_size, end=end)


def _scan_zip(raw: BinaryIO, limits: ArchiveLimits) -> tuple[list[_Entry], list[ArchiveMember]]:
    directory = _zip_directory(raw, limits)
    raw.seek(0)
    infos = zipfile.ZipFile(raw).infolist()
    if len(infos) != directory.entries:
        raise _refuse(Code.NOT_AN_ARCHIVE, "the zip central directory does not hold the entries it declares")
    tally = _SizeTally(limits)
    entries: list[_Entry] = []
    directories: list[ArchiveMember] = []
    spans: list[tuple[int, int, bool]] = []  # (header offset, data end, has data descriptor)
    for info in infos:
        tally.add_member()
        # `orig_filename` is the name as stored; zipfile cuts `filename` at a NUL character.
        path = _normalize(info.orig_filename, limits)
        kind = stat.S_IFMT(info.external_attr >> 16)
        if kind == stat.S_IFLNK:
            raise _refuse(Code.LINK_NOT_ALLOWED, f"member {info.orig_filename!r} is a symbolic link")
        if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
            raise _refuse(Code.INVALID, f"member {info.orig_filename!r} is not a regular file or directory")
        if info.flag_bits & _ZIP_ENCRYPTED_FLAGS:
            raise _refuse(Code.INVALID, f"member {info.orig_filename!r} is encrypted")
        if info.compress_type not in (_ZIP_STORED, _ZIP_DEFLATED):
            raise _refuse(
                Code.INVALID, f"member {info.orig_filename!r} uses a compression other than deflate or none"
            )
        data_offset = _zip_data_offset(raw, info)
        spans.append(
            (
                info.header_offset,
                data_offset + info.compress_size,
                bool(info.flag_bits & _ZIP_DATA_DESCRIPTOR_FLAG),
            )
        )
        if info.orig_filename.endswith("/") or kind == stat.S_IFDIR:
            if info.file_size:
                raise _refuse(Code.INVALID, f"directory member {info.orig_filename!r} has content")
            if path:
                directories.append(ArchiveMember(path, 0, is_dir=True))
            continue
        if not path:
            raise _refuse(Code.INVALID, f"member {info.orig_filename!r} has an empty path")
        if info.compress_type == _ZIP_STORED and info.compress_size != info.file_size:
            raise _refuse(Code.NOT_AN_ARCHIVE, f"stored member {path!r} has inconsistent sizes")
        tally.add_size(path, info.file_size)
        _check_ratio(limits, f"member {path!r}", info.file_size, info.compress_size)
        member = ArchiveMember(path, info.file_size, is_dir=False)
        entries.append(_Entry(member, data_offset, info.compress_size, info.compress_type, info.CRC))
    _check_ratio(limits, "the archive", tally.total, directory.file_size)
    _check_zip_layout(spans, directory)
    # Declared sizes passed; now inflate every member for real, counting the bytes.
    for entry in entries:
        for _ in _zip_chunks(raw, entry):
            pass
    return entries, directories


def _zip_data_offset(raw: BinaryIO, info: zipfile.ZipInfo) -> int:
    raw.seek(info.header_offset)
    header = raw.read(30)
    if len(header) != 30 or header[:4] != b"PK\x03\x04":
        raise _refuse(Code.NOT_AN_ARCHIVE, f"member {info.orig_filename!r} has no local header")
    flags, method = struct.unpack("<2H", header[6:10])
    name_size, extra_size = struct.unpack("<2H", header[26:30])
    name = raw.read(name_size)
    encoding = "utf-8" if flags & _ZIP_UTF8_FLAG else "cp437"
    if name.decode(encoding, errors="replace") != info.orig_filename or method != info.compress_type:
        # Tools that read local headers (streaming extractors) would see another file.
        raise _refuse(Code.NOT_AN_ARCHIVE, f"member {info.orig_filename!r} differs in its local header")
    return info.header_offset + 30 + int(name_size) + int(extra_size)


def _check_zip_layout(spans: list[tuple[int, int, bool]], directory: _ZipDirectory) -> None:
    """Members must follow each other with nothing between (a data descriptor aside), and the
    central directory must follow them: bytes no entry accounts for could hide a member that
    some extractor finds and the analysis does not, and overlapping entries are a bomb technique."""
    position, descriptor = 0, False
    for start, end, has_descriptor in sorted(spans):
        gap = start - position
        if gap and not (descriptor and gap in _ZIP_DATA_DESCRIPTOR_SIZES):
            raise _refuse(Code.NOT_AN_ARCHIVE, "the zip has overlapping members or bytes between them")
        position, descriptor = end, has_descriptor
    gap = directory.offset - position
    if (gap and not (descriptor and gap in _ZIP_DATA_DESCRIPTOR_SIZES)) or (
        directory.offset + directory.size != directory.end
    ):
        raise _refuse(Code.NOT_AN_ARCHIVE, "the zip central directory is not where the members end")


def _zip_chunks(raw: BinaryIO, entry: _Entry) -> Generator[bytes, None, None]:
    """The member's bytes, inflated in bounded chunks; refuses to produce more than it declared.

    The declared sizes already passed the caps and the ratio, so producing no more than declared
    keeps every cap; the checksum and the exact end of the compressed data are checked last."""
    path, declared = entry.member.path, entry.member.size
    raw.seek(entry.data_offset)
    compressed_left = entry.compressed_size

    def compressed_chunk() -> bytes:
        nonlocal compressed_left
        data = raw.read(min(_CHUNK, compressed_left)) if compressed_left else b""
        if not data:
            raise _refuse(Code.NOT_AN_ARCHIVE, f"member {path!r} is truncated")
        compressed_left -= len(data)
        return data

    produced = crc = 0
    if entry.method == _ZIP_STORED:
        while produced < declared:
            chunk = compressed_chunk()
            produced += len(chunk)
            crc = zlib.crc32(chunk, crc)
            yield chunk
    else:
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        pending = b""
        while not inflater.eof:
            # Ask for one byte past the declared size at most: that byte proves the size lies.
            chunk = inflater.decompress(pending or compressed_chunk(), min(_CHUNK, declared - produced + 1))
            pending = inflater.unconsumed_tail
            produced += len(chunk)
            if produced > declared:
                raise _refuse(
                    Code.ARCHIVE_TOO_LARGE,
                    f"member {path!r} inflates past its declared size of {declared} bytes",
                )
            crc = zlib.crc32(chunk, crc)
            if chunk:
                yield chunk
        if inflater.unused_data:
            compressed_left += len(inflater.unused_data)
    if produced != declared or compressed_left or crc != entry.crc:
        raise _refuse(Code.NOT_AN_ARCHIVE, f"member {path!r} is corrupt (its size or checksum is wrong)")
