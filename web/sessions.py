"""The pages' cookies, and the CSRF token every form posts back.

- `riskdesk_session` holds the random secret of a server-side session (engine.logins): the
  session, its CSRF token and its timeouts live in the database, so it can be revoked.
- `riskdesk_login` is for the sign-in form, before there is a session: a small signed JSON
  document (a CSRF token and when it was issued) with an HMAC-SHA256 under the instance's
  secret key. It names no user and grants nothing.
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

SESSION_COOKIE = "riskdesk_session"
LOGIN_COOKIE = "riskdesk_login"
MAX_AGE_SECONDS = 12 * 60 * 60
LOGIN_MAX_AGE_SECONDS = 60 * 60


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


def csrf_matches(expected: str | None, submitted: str | None) -> bool:
    """Whether a form's CSRF token is the session's (compared in constant time)."""
    return (
        bool(expected) and bool(submitted) and hmac.compare_digest(expected or "", submitted or "")
    )
