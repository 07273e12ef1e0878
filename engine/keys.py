"""The instance's secret keys: never built in, generated on first use, kept outside the database.

Three kinds of key, each random and per instance (docs/security.md):
- `secret_key` signs what the server hands out and must recognise (the sign-in form's cookie);
- `audit_key` keys the HMAC of the audit chain, so rows rewritten in the database with
  recomputed hashes are caught;
- data keys (AES-256-GCM) encrypt sensitive field values at rest; every value names the id of
  the key that sealed it, so `riskdesk keys rotate` can add a key and re-encrypt in batches.

They come from `RISKDESK_SECRET_KEY`, `RISKDESK_AUDIT_KEY` and `RISKDESK_DATA_KEY` when set, and
otherwise from the instance's keys file (`RISKDESK_KEYS_FILE`; by default beside the SQLite
database file, else `./riskdesk.keys.json`), which `db upgrade`, `serve` and `demo` create with
fresh random keys, readable by its owner only.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType

from sqlalchemy.engine import make_url

KEY_BYTES = 32
FILE_FORMAT = 1


class KeysError(Exception):
    """The keys are missing, unreadable or malformed; the message says which and where."""


@dataclass(frozen=True, slots=True)
class InstanceKeys:
    """The keys of one instance. `data_keys` maps key id → 32 raw bytes."""

    secret_key: str = field(repr=False)
    audit_key: bytes = field(repr=False)
    data_keys: Mapping[str, bytes] = field(repr=False)
    current_data_key_id: str

    @property
    def current_data_key(self) -> bytes:
        return self.data_keys[self.current_data_key_id]

    def with_new_data_key(self) -> InstanceKeys:
        """These keys plus a fresh data key, which becomes the current one (older ones stay, to
        read what they sealed)."""
        key = secrets.token_bytes(KEY_BYTES)
        key_id = data_key_id(key)
        return replace(
            self,
            data_keys=MappingProxyType({**self.data_keys, key_id: key}),
            current_data_key_id=key_id,
        )

    def without_data_keys_except(self, keep: set[str]) -> InstanceKeys:
        """These keys with only the data keys in `keep` (the current one always stays)."""
        keep = keep | {self.current_data_key_id}
        kept = {k: v for k, v in self.data_keys.items() if k in keep}
        return replace(self, data_keys=MappingProxyType(kept))


def generate_keys() -> InstanceKeys:
    """A fresh set of random keys."""
    data_key = secrets.token_bytes(KEY_BYTES)
    return InstanceKeys(
        secret_key=secrets.token_urlsafe(KEY_BYTES),
        audit_key=secrets.token_bytes(KEY_BYTES),
        data_keys=MappingProxyType({data_key_id(data_key): data_key}),
        current_data_key_id=data_key_id(data_key),
    )


def data_key_id(key: bytes) -> str:
    """A data key's id: the first 12 hex digits of its SHA-256 (reveals nothing usable)."""
    return "k" + hashlib.sha256(key).hexdigest()[:12]


def default_keys_file(database_url: str) -> Path:
    """Where an instance keeps its keys: beside a SQLite file, else in the working folder."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        db_path = Path(url.database)
        return db_path.with_name(db_path.name.removesuffix(".db") + ".keys.json")
    return Path("riskdesk.keys.json")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode()


def _unb64(text: object, what: str, path: Path | str) -> bytes:
    if not isinstance(text, str):
        raise KeysError(f"{path}: {what} is not a base64 text")
    try:
        raw = base64.urlsafe_b64decode(text.encode())
    except (ValueError, TypeError) as exc:
        raise KeysError(f"{path}: {what} is not valid base64") from exc
    if len(raw) < KEY_BYTES:
        raise KeysError(f"{path}: {what} has {len(raw)} bytes; a key has {KEY_BYTES}")
    return raw[:KEY_BYTES] if len(raw) == KEY_BYTES else hashlib.sha256(raw).digest()


def write_keys_file(path: Path, keys: InstanceKeys) -> None:
    """Write `keys` to `path` atomically, readable and writable by the owner only."""
    document = {
        "format": FILE_FORMAT,
        "secret_key": keys.secret_key,
        "audit_key": _b64(keys.audit_key),
        "data_keys": {key_id: _b64(key) for key_id, key in keys.data_keys.items()},
        "current_data_key": keys.current_data_key_id,
    }
    if not path.parent.is_dir():
        raise KeysError(
            f"cannot write the keys file {path}: the folder {path.parent} does not exist"
        )
    temporary = path.with_name(path.name + f".{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=2)
        handle.write("\n")
    os.replace(temporary, path)


def read_keys_file(path: Path) -> InstanceKeys:
    """The keys stored at `path`. Raises KeysError when it is unreadable or malformed."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise KeysError(f"cannot read the keys file {path}: {exc}") from exc
    if not isinstance(document, dict) or document.get("format") != FILE_FORMAT:
        raise KeysError(f"{path} is not a riskdesk keys file (format {FILE_FORMAT})")
    secret_key = document.get("secret_key")
    if not isinstance(secret_key, str) or len(secret_key) < 32:
        raise KeysError(f"{path}: secret_key must be a text of at least 32 characters")
    raw_data_keys = document.get("data_keys")
    if not isinstance(raw_data_keys, dict) or not raw_data_keys:
        raise KeysError(f"{path}: data_keys must map key ids to keys")
    data_keys = {
        str(key_id): _unb64(value, f"data key {key_id}", path)
        for key_id, value in raw_data_keys.items()
    }
    current = document.get("current_data_key")
    if current not in data_keys:
        raise KeysError(f"{path}: current_data_key names none of its data keys")
    return InstanceKeys(
        secret_key=secret_key,
        audit_key=_unb64(document.get("audit_key"), "audit_key", path),
        data_keys=MappingProxyType(data_keys),
        current_data_key_id=str(current),
    )


def _from_environment(
    keys: InstanceKeys, *, secret_key: str | None, audit_key: str | None, data_key: str | None
) -> InstanceKeys:
    """`keys` with what the environment sets put in their place (an env data key is current)."""
    if secret_key:
        if len(secret_key) < 32:
            raise KeysError("RISKDESK_SECRET_KEY must have at least 32 characters")
        keys = replace(keys, secret_key=secret_key)
    if audit_key:
        keys = replace(keys, audit_key=_unb64(audit_key, "RISKDESK_AUDIT_KEY", "environment"))
    if data_key:
        raw = _unb64(data_key, "RISKDESK_DATA_KEY", "environment")
        key_id = data_key_id(raw)
        keys = replace(
            keys,
            data_keys=MappingProxyType({**keys.data_keys, key_id: raw}),
            current_data_key_id=key_id,
        )
    return keys


def load_keys(
    *,
    database_url: str,
    keys_file: str | None = None,
    secret_key: str | None = None,
    audit_key: str | None = None,
    data_key: str | None = None,
    create: bool = False,
) -> InstanceKeys:
    """The instance's keys: the keys file (created with random keys when `create` and absent),
    overridden by the environment's. Raises KeysError when there is no file and `create` is off,
    or when a key is malformed."""
    path = Path(keys_file) if keys_file else default_keys_file(database_url)
    if path.exists():
        keys = read_keys_file(path)
    elif create:
        keys = generate_keys()
        write_keys_file(path, keys)
    elif secret_key and audit_key and data_key:
        keys = generate_keys()  # replaced whole by the environment below
    else:
        raise KeysError(
            f"no keys file at {path}: run 'riskdesk db upgrade' once to generate the instance's "
            "keys, or set RISKDESK_KEYS_FILE"
        )
    return _from_environment(keys, secret_key=secret_key, audit_key=audit_key, data_key=data_key)


def keys_file_path(database_url: str, keys_file: str | None) -> Path:
    """The keys file an instance with these settings reads."""
    return Path(keys_file) if keys_file else default_keys_file(database_url)
