"""The files of a template bundle, from a folder or a .zip: read safely, within size limits.

Reads only the bundle's own files; a path that leaves the bundle, a link out of it or an
oversized archive is refused. No database, no clock, no settings.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Final, Protocol

from dsl import Diagnostic
from dsl.diagnostics import error

TEMPLATE_FILE: Final = "template.yaml"

MAX_ZIP_BYTES: Final = 20 * 1024 * 1024
MAX_UNPACKED_BYTES: Final = 50 * 1024 * 1024
MAX_FILE_BYTES: Final = 10 * 1024 * 1024
MAX_ENTRIES: Final = 2_000


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
    def __init__(self, members: Mapping[str, bytes]) -> None:
        self.members = members

    def read(self, name: str) -> bytes | None:
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
    """The members of a .zip bundle below its root; refuses unsafe or oversized archives."""
    if path.stat().st_size > MAX_ZIP_BYTES:
        message = f"the bundle is larger than {MAX_ZIP_BYTES // (1024 * 1024)} MB"
        return None, [error("bundle-too-large", message, None)]
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        return None, [error("not-a-zip", f"{path.name} is not a readable .zip file: {exc}", None)]
    with archive:
        infos = [i for i in archive.infolist() if not i.is_dir() and not _is_ignored(i.filename)]
        unsafe = [
            i.filename
            for i in infos
            if not is_safe(i.filename) or (i.external_attr >> 16) & 0o170000 == 0o120000
        ]
        if unsafe:
            return None, [
                error(
                    "unsafe-path",
                    f"the zip holds '{name}', which is not a plain path inside the bundle",
                    None,
                    hint="rebuild the zip from the bundle folder",
                )
                for name in unsafe
            ]
        if len(infos) > MAX_ENTRIES or sum(i.file_size for i in infos) > MAX_UNPACKED_BYTES:
            message = (
                f"the bundle unpacks to more than {MAX_ENTRIES} files or "
                f"{MAX_UNPACKED_BYTES // (1024 * 1024)} MB"
            )
            return None, [error("bundle-too-large", message, None)]
        names = {i.filename for i in infos}
        prefix = _zip_root(names)
        if prefix is None:
            message = f"the zip has no {TEMPLATE_FILE} at its root or inside one top-level folder"
            return None, [error("no-template-file", message, None)]
        try:
            members = {
                i.filename[len(prefix) :]: archive.read(i)
                for i in infos
                if i.filename.startswith(prefix)
            }
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            return None, [error("not-a-zip", f"{path.name} cannot be unpacked: {exc}", None)]
    return _Archive(members), []


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
