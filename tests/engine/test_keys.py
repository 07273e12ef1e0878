"""Instance keys: generated, never built in, read back, overridden by the environment."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest

from engine.keys import KeysError, data_key_id, default_keys_file, load_keys, read_keys_file


def test_first_load_generates_a_private_keys_file_beside_the_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'work.db'}"
    keys = load_keys(database_url=url, create=True)
    path = default_keys_file(url)
    assert path == tmp_path / "work.keys.json"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert read_keys_file(path) == keys
    assert load_keys(database_url=url) == keys  # read back, not generated again


def test_two_instances_never_share_a_key(tmp_path: Path) -> None:
    first = load_keys(database_url=f"sqlite:///{tmp_path / 'a.db'}", create=True)
    second = load_keys(database_url=f"sqlite:///{tmp_path / 'b.db'}", create=True)
    assert first.secret_key != second.secret_key
    assert first.audit_key != second.audit_key
    assert first.current_data_key != second.current_data_key


def test_without_a_keys_file_nothing_is_made_up(tmp_path: Path) -> None:
    with pytest.raises(KeysError, match="riskdesk db upgrade"):
        load_keys(database_url=f"sqlite:///{tmp_path / 'none.db'}")


def test_a_missing_folder_is_refused_not_created(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'absent' / 'x.db'}"
    with pytest.raises(KeysError, match="does not exist"):
        load_keys(database_url=url, create=True)
    assert not (tmp_path / "absent").exists()


def test_environment_keys_override_the_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'env.db'}"
    stored = load_keys(database_url=url, create=True)
    raw = os.urandom(32)
    keys = load_keys(
        database_url=url,
        secret_key="s" * 40,
        data_key=base64.urlsafe_b64encode(raw).decode(),
    )
    assert keys.secret_key == "s" * 40 and keys.audit_key == stored.audit_key
    assert keys.current_data_key == raw and keys.current_data_key_id == data_key_id(raw)
    assert stored.current_data_key_id in keys.data_keys  # older values still open
    with pytest.raises(KeysError, match="at least 32"):
        load_keys(database_url=url, secret_key="short")
