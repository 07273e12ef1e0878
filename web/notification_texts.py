"""What a notification says in the reader's language: its kind's sentence (engine.notifications
KINDS) translated through the catalogs and filled from its params, or the workflow's own text;
a copy delivered to a delegate says whom it is for."""

from __future__ import annotations

from typing import Any

from engine.notifications import ON_BEHALF, NotificationView
from web.i18n import DEFAULT_LANGUAGE, translator


class _Filled(dict[str, Any]):
    """Params for `%` formatting: a placeholder without a value shows empty, never a 500 (a
    sentence translated since the notification was written may name another param)."""

    def __missing__(self, key: str) -> str:
        return ""


def notification_text(notification: NotificationView, language: str) -> str:
    """The sentence `notification` says, in `language` ("en" or "zh")."""
    texts = notification.text or {}
    own = texts.get(language) or texts.get(DEFAULT_LANGUAGE)
    params = _Filled({k: v for k, v in notification.params.items() if k != "for"})
    translations = translator(language)
    sentence = str(own) if own else translations.gettext(notification.message) % params
    if notification.on_behalf_of is None:
        return sentence
    return translations.gettext(ON_BEHALF) % {
        "sentence": sentence,
        "for": notification.on_behalf_of,
    }
