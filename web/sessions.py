"""Signed session cookies for the pages, and the CSRF token every form posts back.

The cookie holds a small JSON document (the user's name, a CSRF token, when it was issued) and an
HMAC-SHA256 of it under the workspace's `secret_key`; nothing else about the user is kept in it.
Roles are looked up on every request, so a revoked role takes effect at once.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

COOKIE_NAME = "riskdesk_session"
MAX_AGE_SECONDS = 12 * 60 * 60


@dataclass(frozen=True, slots=True)
class SessionData:
    """What a session cookie says: who signed in (None before login) and the form token."""

    user: str | None
    csrf_token: str
    issued_at: int


def new_session(user: str | None = None) -> SessionData:
    return SessionData(user=user, csrf_token=secrets.token_urlsafe(24), issued_at=int(time.time()))


def _signature(secret_key: str, payload: bytes) -> str:
    digest = hmac.new(secret_key.encode(), payload, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def encode_session(data: SessionData, *, secret_key: str) -> str:
    """The cookie value for `data`: base64 JSON, a dot, and its signature."""
    raw = json.dumps(
        {"u": data.user, "c": data.csrf_token, "t": data.issued_at}, separators=(",", ":")
    ).encode()
    payload = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    return f"{payload}.{_signature(secret_key, payload.encode())}"


def decode_session(
    value: str | None, *, secret_key: str, max_age: int = MAX_AGE_SECONDS
) -> SessionData | None:
    """The session a cookie value holds; None when absent, forged, malformed or expired."""
    if not value or "." not in value:
        return None
    payload, signature = value.rsplit(".", 1)
    if not hmac.compare_digest(signature, _signature(secret_key, payload.encode())):
        return None
    try:
        raw = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        data = SessionData(user=raw["u"], csrf_token=str(raw["c"]), issued_at=int(raw["t"]))
    except (binascii.Error, ValueError, TypeError, KeyError):
        return None
    if data.issued_at + max_age < time.time():
        return None
    return data


def csrf_matches(session: SessionData | None, submitted: str | None) -> bool:
    return (
        session is not None
        and bool(submitted)
        and hmac.compare_digest(session.csrf_token, submitted or "")
    )
