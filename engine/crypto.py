"""Sealing sensitive field values at rest: AES-256-GCM under the instance's data keys.

A sealed value replaces the clear one inside the customer's stored `data`, as the JSON object

    {"$enc": "v1", "k": "<data key id>", "n": "<nonce>", "c": "<ciphertext and tag>"}

(nonce and ciphertext in unpadded base64url). The key id says which data key sealed it
(engine.keys), so `riskdesk keys rotate` can add a key and re-seal value by value. The
associated data binds the value to the customer's reference and the field's id: a sealed value
copied to another customer or another field does not open. The plaintext is the value as JSON,
so a sealed number opens as a number.

Only `customer_data` reads a session (for its keys, `engine.db.session_keys`); nothing reads the
clock. Error messages name the customer, the field and the key id, never a value.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Collection, Mapping
from typing import Any, TypeGuard

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlmodel import Session

from engine.db import session_keys
from engine.keys import InstanceKeys, KeysError
from engine.models import Customer
from engine.types import json_dumps

SEALED_MARK = "$enc"
SEALED_VERSION = "v1"
NONCE_BYTES = 12  # the GCM standard nonce; random per value


class SealError(KeysError):
    """A sealed value that cannot be opened: its key is not among the instance's data keys, or
    the value was altered or moved to another customer or field."""


def is_sealed(value: object) -> TypeGuard[Mapping[str, Any]]:
    """Whether `value` is a sealed value (the `{"$enc": ...}` object) rather than a clear one."""
    return isinstance(value, Mapping) and SEALED_MARK in value


def key_id_of(sealed: Mapping[str, Any]) -> str:
    """The id of the data key that sealed `sealed`."""
    return str(sealed.get("k"))


def _associated_data(ref: str, field_id: str) -> bytes:
    return json.dumps(["riskdesk-sealed", SEALED_VERSION, ref, field_id]).encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: object) -> bytes:
    if not isinstance(text, str):
        raise ValueError("not a text")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def seal(keys: InstanceKeys, value: Any, *, ref: str, field_id: str) -> dict[str, str]:
    """`value` sealed under the current data key, bound to customer `ref` and `field_id`."""
    nonce = os.urandom(NONCE_BYTES)
    ciphertext = AESGCM(keys.current_data_key).encrypt(
        nonce, json_dumps(value).encode(), _associated_data(ref, field_id)
    )
    return {
        SEALED_MARK: SEALED_VERSION,
        "k": keys.current_data_key_id,
        "n": _b64(nonce),
        "c": _b64(ciphertext),
    }


def open_sealed(keys: InstanceKeys, sealed: Mapping[str, Any], *, ref: str, field_id: str) -> Any:
    """The clear value of `sealed`, the value of `field_id` of customer `ref`.

    Raises SealError when its key is unknown or it does not open (altered, or moved).
    """
    where = f"the sealed value of field '{field_id}' of customer '{ref}'"
    if sealed.get(SEALED_MARK) != SEALED_VERSION:
        raise SealError(f"{where} has an unknown format {sealed.get(SEALED_MARK)!r}")
    key_id = key_id_of(sealed)
    key = keys.data_keys.get(key_id)
    if key is None:
        raise SealError(
            f"{where} was sealed with data key {key_id}, which is not among the instance's "
            "data keys: restore the keys file that holds it (RISKDESK_KEYS_FILE)"
        )
    try:
        nonce, ciphertext = _unb64(sealed.get("n")), _unb64(sealed.get("c"))
        plaintext = AESGCM(key).decrypt(nonce, ciphertext, _associated_data(ref, field_id))
    except (InvalidTag, ValueError, binascii.Error) as exc:
        raise SealError(
            f"{where} does not open with data key {key_id}: it was altered, or copied from "
            "another customer or field"
        ) from exc
    return json.loads(plaintext)


def seal_data(
    keys: InstanceKeys,
    data: Mapping[str, Any],
    *,
    ref: str,
    sensitive: Collection[str],
    previous: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """`data` (clear) as it is stored: each field in `sensitive` with a value sealed.

    A value equal to the one `previous` (the stored data) holds sealed keeps its sealed form,
    so saving unchanged data changes nothing. A missing value (None) stays None.
    """
    stored: dict[str, Any] = {}
    for field_id, value in data.items():
        if field_id not in sensitive or value is None:
            stored[field_id] = value
            continue
        before = (previous or {}).get(field_id)
        if (
            is_sealed(before)
            and key_id_of(before) == keys.current_data_key_id
            and open_sealed(keys, before, ref=ref, field_id=field_id) == value
        ):
            stored[field_id] = before
        else:
            stored[field_id] = seal(keys, value, ref=ref, field_id=field_id)
    return stored


def open_data(keys: InstanceKeys, data: Mapping[str, Any], *, ref: str) -> dict[str, Any]:
    """Stored `data` with every sealed value opened. Raises SealError."""
    return {
        field_id: open_sealed(keys, value, ref=ref, field_id=field_id)
        if is_sealed(value)
        else value
        for field_id, value in data.items()
    }


def sealed_fields(data: Mapping[str, Any]) -> frozenset[str]:
    """The ids of the fields `data` holds sealed."""
    return frozenset(field_id for field_id, value in data.items() if is_sealed(value))


def reseal_data(
    keys: InstanceKeys, data: Mapping[str, Any], *, ref: str
) -> tuple[dict[str, Any], int]:
    """Stored `data` with every value sealed under another key sealed again under the current
    one, and how many were; values already under the current key are kept as they are."""
    resealed = 0
    stored: dict[str, Any] = {}
    for field_id, value in data.items():
        if is_sealed(value) and key_id_of(value) != keys.current_data_key_id:
            clear = open_sealed(keys, value, ref=ref, field_id=field_id)
            stored[field_id] = seal(keys, clear, ref=ref, field_id=field_id)
            resealed += 1
        else:
            stored[field_id] = value
    return stored, resealed


def customer_data(session: Session, customer: Customer) -> dict[str, Any]:
    """The customer's form data in clear, as rules read it. Raises SealError, and KeysError
    when a value is sealed but the session has no keys."""
    if not sealed_fields(customer.data):
        return dict(customer.data)
    return open_data(session_keys(session), customer.data, ref=customer.external_ref)
