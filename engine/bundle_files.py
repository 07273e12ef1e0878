"""The files of a template bundle, from a folder or a .zip: read safely, within size limits.

Reads only the bundle's own files; a path that leaves the bundle, a link out of it or an
oversized archive is refused. No database, no clock, no settings.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Final, Protocol

from dsl import Diagnostic
from dsl.diagnostics import error
from dsl.texts import N_, text

TEMPLATE_FILE: Final = "template.yaml"

MAX_ZIP_BYTES: Final = 20 * 1024 * 1024
MAX_UNPACKED_BYTES: Final = 50 * 1024 * 1024
MAX_FILE_BYTES: Final = 10 * 1024 * 1024
MAX_ENTRIES: Final = 2_000
MAX_DIRECTORY_BYTES: Final = MAX_ENTRIES * 512  # the zip's list of its files, names included


class FileTooLargeError(Exception):
    """A file of the bundle is larger than `MAX_FILE_BYTES`; the reader reports it."""


class Files(Protocol):
    """The files of a bundle by path relative to its root; `read` gives None for an absent one."""

    def read(self, name: str) -> bytes | None: ...


class Folder:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def read(self, name: str) -> bytes | None:
        path = (self.root / name).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            return None  # a symlink out of the bundle counts as absent
        if path.stat().st_size > MAX_FILE_BYTES:
            raise FileTooLargeError(name)
        return path.read_bytes()


class _Archive:
    """The members of a zip, read into memory; a member over `MAX_FILE_BYTES` is known by name."""

    def __init__(self, members: Mapping[str, bytes], oversized: Collection[str]) -> None:
        self.members = members
        self.oversized = frozenset(oversized)

    def read(self, name: str) -> bytes | None:
        if name in self.oversized:
            raise FileTooLargeError(name)
        return self.members.get(name)


def is_safe(name: str) -> bool:
    """A relative path with '/' between folders that stays inside the bundle."""
    if not name or "\\" in name or name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return False
    return all(part not in ("", ".", "..") for part in name.rstrip("/").split("/"))


def _is_ignored(name: str) -> bool:
    """Files that archivers add on their own."""
    parts = name.split("/")
    return parts[0] == "__MACOSX" or parts[-1] in (".DS_Store", "Thumbs.db")


def open_zip(path: Path) -> tuple[Files | None, list[Diagnostic]]:
    """The members of a .zip bundle below its root; refuses unsafe or oversized archives.

    Sizes are the bytes actually inflated, counted while reading in chunks, never the sizes the
    zip declares: a member past `MAX_FILE_BYTES` is read no further (reading it from the bundle
    raises `FileTooLargeError`), and the archive is refused once `MAX_UNPACKED_BYTES` are read.
    Returns the files, or None and the diagnostics, each naming the entry it is about.
    """
    if path.stat().st_size > MAX_ZIP_BYTES:
        message = text(
            N_("the bundle is larger than %(megabytes)d MB"),
            megabytes=MAX_ZIP_BYTES // (1024 * 1024),
        )
        return None, [error("bundle-too-large", message, None)]
    directory = _directory_size(path)
    if directory is not None and directory > MAX_DIRECTORY_BYTES:
        # zipfile would read every entry of it before the count of files could be checked
        message = text(
            N_("the bundle holds more than %(count)d files (its directory is too large)"),
            count=MAX_ENTRIES,
        )
        return None, [error("bundle-too-large", message, None)]
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        return None, [
            error(
                "not-a-zip",
                text(
                    N_("%(file)s is not a readable .zip file: %(problem)s"),
                    file=path.name,
                    problem=str(exc),
                ),
                None,
            )
        ]
    with archive:
        entries = [i for i in archive.infolist() if not _is_ignored(i.filename)]
        problems = _entry_problems(entries)
        if problems:
            return None, problems
        infos = [i for i in entries if not i.is_dir()]
        if len(infos) > MAX_ENTRIES:
            message = text(N_("the bundle holds more than %(count)d files"), count=MAX_ENTRIES)
            return None, [error("bundle-too-large", message, None)]
        prefix = _zip_root({i.filename for i in infos})
        if prefix is None:
            message = text(
                N_("the zip has no %(file)s at its root or inside one top-level folder"),
                file=TEMPLATE_FILE,
            )
            return None, [error("no-template-file", message, None)]
        return _read_members(archive, [i for i in infos if i.filename.startswith(prefix)], prefix)


def _read_members(
    archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], prefix: str
) -> tuple[Files | None, list[Diagnostic]]:
    """Every member inflated, counting the real bytes against the per-file and total limits."""
    members: dict[str, bytes] = {}
    oversized: list[str] = []
    budget = MAX_UNPACKED_BYTES
    for info in infos:
        try:
            data = _inflate(archive, info, limit=min(MAX_FILE_BYTES, budget))
        except _DamagedEntryError as exc:
            message = text(
                N_("the zip entry '%(entry)s' cannot be unpacked: %(problem)s"),
                entry=info.filename,
                problem=str(exc.__cause__),
            )
            return None, [error("not-a-zip", message, None)]
        budget -= len(data)
        if budget < 0:
            message = text(
                N_(
                    "the bundle unpacks to more than %(megabytes)d MB "
                    "(counted up to the zip entry '%(entry)s')"
                ),
                megabytes=MAX_UNPACKED_BYTES // (1024 * 1024),
                entry=info.filename,
            )
            return None, [error("bundle-too-large", message, None)]
        if len(data) > MAX_FILE_BYTES:
            oversized.append(info.filename[len(prefix) :])
        else:
            members[info.filename[len(prefix) :]] = data
    return _Archive(members, oversized), []


class _DamagedEntryError(Exception):
    """A zip entry whose data does not inflate or does not match its checksum."""


_CHUNK: Final = 64 * 1024


def _inflate(archive: zipfile.ZipFile, info: zipfile.ZipInfo, *, limit: int) -> bytes:
    """The bytes of `info`, inflated a chunk at a time: at most `limit` + 1 of them, so that a
    result longer than `limit` says the entry is larger (whatever its header declares)."""
    chunks: list[bytes] = []
    size = 0
    try:
        with archive.open(info) as member:
            while size <= limit:
                chunk = member.read(_CHUNK)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, zlib.error) as exc:
        raise _DamagedEntryError from exc
    return b"".join(chunks)[: limit + 1]


def _entry_problems(entries: list[zipfile.ZipInfo]) -> list[Diagnostic]:
    """Every entry that could not be read safely: a path leaving the bundle, a link, an entry
    given twice, an encrypted one, or one compressed other than stored or deflated."""
    problems: list[Diagnostic] = []
    seen: set[str] = set()
    for info in entries:
        name = info.filename
        if not is_safe(name) or (info.external_attr >> 16) & 0o170000 == 0o120000:
            message = text(
                N_("the zip holds '%(name)s', which is not a plain path inside the bundle"),
                name=name,
            )
            problems.append(
                error(
                    "unsafe-path",
                    message,
                    None,
                    hint=text(N_("rebuild the zip from the bundle folder")),
                )
            )
        elif name in seen:
            message = text(N_("the zip holds '%(name)s' more than once"), name=name)
            hint = text(
                N_("rebuild the zip from the bundle folder, so that each file is in it once")
            )
            problems.append(error("duplicate-entry", message, None, hint=hint))
        elif info.flag_bits & 0x1:
            message = text(N_("the zip entry '%(name)s' is encrypted"), name=name)
            problems.append(
                error("encrypted-entry", message, None, hint=text(N_("zip it without a password")))
            )
        elif info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            message = text(
                N_("the zip entry '%(name)s' is compressed in a way riskdesk does not read"),
                name=name,
            )
            hint = text(N_("rebuild the zip with the usual (deflate) compression"))
            problems.append(error("unsupported-compression", message, None, hint=hint))
        seen.add(name)
    return problems


_END = b"PK\x05\x06"  # the end of central directory record
_END_64 = b"PK\x06\x06"  # its zip64 form, before a locator (PK\x06\x07) of 20 bytes


def _directory_size(path: Path) -> int | None:
    """The size of the zip's central directory as its end record declares it (the zip64 one
    included): the bytes zipfile reads and parses when it opens the file. None without an end
    record (zipfile refuses the file)."""
    with path.open("rb") as handle:
        handle.seek(0, 2)
        handle.seek(max(0, handle.tell() - (22 + 0xFFFF)))  # the record, then a comment
        tail = handle.read()
    at = tail.rfind(_END)
    if at < 0 or len(tail) - at < 22:
        return None
    (size,) = struct.unpack_from("<L", tail, at + 12)
    if size == 0xFFFFFFFF and at >= 76 and tail[at - 76 : at - 72] == _END_64:
        (size,) = struct.unpack_from("<Q", tail, at - 76 + 40)
    return int(size)


def _zip_root(names: set[str]) -> str | None:
    """'' when template.yaml is at the root, 'top/' when it is in the zip's one top folder."""
    if TEMPLATE_FILE in names:
        return ""
    tops = {name.split("/", 1)[0] for name in names}
    if len(tops) == 1 and all("/" in name for name in names):
        prefix = f"{next(iter(tops))}/"
        if prefix + TEMPLATE_FILE in names:
            return prefix
    return None


def decode(data: bytes) -> str:
    """The text of a bundle file: UTF-8, with or without a byte order mark."""
    return data.decode("utf-8-sig")
