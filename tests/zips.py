"""Zip bundles for tests, honest and hostile: written with zipfile, then headers patched in bytes.

`count_inflation` counts the bytes zlib really inflates, so a test can assert that reading a zip did
bounded work without a clock.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

MiB = 1024 * 1024

# field offsets in a local file header (PK\3\4) and a central directory header (PK\1\2)
_LOCAL = {"flags": 6, "method": 8, "crc": 14, "file_size": 22}
_CENTRAL = {"flags": 8, "method": 10, "crc": 16, "file_size": 24}
_FORMATS = {"flags": "<H", "method": "<H", "crc": "<I", "file_size": "<I"}


def bundle_zip(folder: Path, *, skip: tuple[str, ...] = ()) -> bytes:
    """The files of `folder` (but `skip`) as a zip with the bundle at its root."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            name = path.relative_to(folder).as_posix()
            if path.is_file() and name not in skip:
                archive.write(path, name)
    return buffer.getvalue()


def with_member(
    data: bytes, name: str, payload: bytes, *, compression: int = zipfile.ZIP_DEFLATED
) -> bytes:
    """`data` with one more member (zipfile writes a name given twice twice, with a warning)."""
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer, "a", compression=compression) as archive:
        archive.writestr(name, payload)
    return buffer.getvalue()


def patched(data: bytes, name: str, **fields: int) -> bytes:
    """`data` with the local and the central header of member `name` changed: any of `flags`,
    `method`, `crc` and `file_size` (the size it declares unpacked)."""
    result = bytearray(data)
    for signature, offsets, name_at in ((b"PK\x03\x04", _LOCAL, 30), (b"PK\x01\x02", _CENTRAL, 46)):
        length_at = name_at - (4 if signature == b"PK\x03\x04" else 18)
        start = result.find(signature)
        while start >= 0:
            (length,) = struct.unpack_from("<H", result, start + length_at)
            if bytes(result[start + name_at : start + name_at + length]) == name.encode():
                for field, value in fields.items():
                    struct.pack_into(_FORMATS[field], result, start + offsets[field], value)
            start = result.find(signature, start + 4)
    return bytes(result)


def deflated_zeros(mebibytes: int) -> bytes:
    """A raw deflate stream of `mebibytes` MiB of zero bytes, made by compressing one MiB: a
    full flush makes that block independent of what comes before, so it can be repeated."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(bytes(MiB)) + compressor.flush(zlib.Z_FULL_FLUSH)
    return block * mebibytes + compressor.flush()


def with_bomb(data: bytes, name: str, *, mebibytes: int, declared: int) -> bytes:
    """`data` with a member `name` that inflates to `mebibytes` MiB of zeros while its headers
    declare `declared` bytes: written stored with stand-in bytes, then its data swapped for a
    deflate stream of the same length and its headers patched."""
    stream = deflated_zeros(mebibytes)
    stand_in = b"\xa5" * len(stream)
    written = bytearray(with_member(data, name, stand_in, compression=zipfile.ZIP_STORED))
    at = written.find(stand_in)
    written[at : at + len(stream)] = stream
    return patched(bytes(written), name, method=zipfile.ZIP_DEFLATED, file_size=declared)


def count_inflation(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """`[n]`: how many bytes zlib inflates from now on (for zipfile or anyone), until the test
    ends."""
    counted = [0]
    make = zlib.decompressobj

    class Counting:
        def __init__(self, wbits: int = zlib.MAX_WBITS) -> None:
            self.inner = make(wbits)

        def decompress(self, data: bytes, max_length: int = 0) -> bytes:
            out = self.inner.decompress(data, max_length)
            counted[0] += len(out)
            return out

        def flush(self, *args: int) -> bytes:
            out = self.inner.flush(*args)
            counted[0] += len(out)
            return out

        @property
        def unconsumed_tail(self) -> bytes:
            return self.inner.unconsumed_tail

        @property
        def unused_data(self) -> bytes:
            return self.inner.unused_data

        @property
        def eof(self) -> bool:
            return self.inner.eof

    monkeypatch.setattr(zlib, "decompressobj", Counting)
    return counted
