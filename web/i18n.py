"""The web layer's texts in English and Chinese: Babel catalogs and the language of a request.

The catalogs are `web/locale/<folder>/LC_MESSAGES/messages.po` (folder `en` and `zh_Hans`), made
and updated with pybabel (docs/architecture.md, "Languages"). They are compiled in memory when first
asked for (`translator`; the application asks at startup), so no binary `.mo` file is kept. A
message id is the English text; a language without a translation for it shows the id.

A page's language is, first to last: `?lang=`, the signed-in user's remembered choice
(engine.preferences), the `riskdesk_lang` cookie, Accept-Language, English. The API's texts follow
`?lang=`, then Accept-Language.
"""

from __future__ import annotations

import functools
import io
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from fastapi import Depends, Header, Query, Request
from jinja2 import Environment, pass_context
from jinja2.runtime import Context

from engine.db import Database
from engine.preferences import language_of
from forms import Text

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"
LANGUAGES = ("en", "zh")
DEFAULT_LANGUAGE = "en"
# language code → catalog folder (Chinese is written in simplified characters)
CATALOG_FOLDERS = {"en": "en", "zh": "zh_Hans"}
# each language in its own words, for the language switch (never translated)
LANGUAGE_NAMES = {"en": "English", "zh": "中文"}
LANGUAGE_COOKIE = "riskdesk_lang"
LANGUAGE_COOKIE_MAX_AGE = 365 * 24 * 3600


def N_(message: str) -> str:
    """Mark `message` for the catalogs without translating it (for tables built at import)."""
    return message


def catalog_path(language: str) -> Path:
    """The `.po` file of `language` ("en" or "zh")."""
    return LOCALE_DIR / CATALOG_FOLDERS[language] / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def translator(language: str) -> Translations:
    """The translations of `language`, compiled from its `.po` file on first use; English for a
    language riskdesk has no catalog for.

    Raises OSError when the catalog is missing and babel's errors when it is malformed: the
    application asks for every language at startup, so a broken catalog stops it there.
    """
    if language not in CATALOG_FOLDERS:
        language = DEFAULT_LANGUAGE
    path = catalog_path(language)
    with path.open("rb") as po:
        catalog = read_po(po, locale=CATALOG_FOLDERS[language], domain=DOMAIN, abort_invalid=True)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(fp=compiled, domain=DOMAIN)


def load_translations() -> None:
    """Compile every language's catalog now (at startup), so a broken one fails there."""
    for language in LANGUAGES:
        translator(language)


def gettext(language: str, message: str, **params: Any) -> str:
    """`message` in `language`, with `%(name)s` placeholders filled from `params`."""
    text = translator(language).gettext(message)
    return text % params if params else text


def ngettext(language: str, singular: str, plural: str, count: int, **params: Any) -> str:
    """The singular or plural form for `count` in `language`; `%(num)d` is the count."""
    text = translator(language).ngettext(singular, plural, count)
    return text % {"num": count, **params}


# --- the language of a request -----------------------------------------------------------------


def known_language(value: str | None) -> str | None:
    """`value` when it is one of LANGUAGES, else None."""
    return value if value in LANGUAGES else None


def accepted_language(accept_language: str | None) -> str | None:
    """The most preferred of en/zh in an Accept-Language header (`zh-CN,zh;q=0.9,en;q=0.8`);
    None when it names neither."""
    wanted: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in LANGUAGES:
            continue
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                continue
        if quality > 0:
            wanted.append((-quality, position, primary))
    return min(wanted)[2] if wanted else None


def request_language(
    lang: Annotated[
        Literal["en", "zh"] | None,
        Query(description="the language of explanation texts; else from Accept-Language"),
    ] = None,
    accept_language: Annotated[str | None, Header()] = None,
) -> str:
    """`?lang=`, else the most preferred of en/zh in Accept-Language, else English (a dependency
    for the API)."""
    return lang or accepted_language(accept_language) or DEFAULT_LANGUAGE


def api_language(request: Request) -> str:
    """The language of an API response's texts, read from the request itself (for error
    responses, where a malformed `?lang=` must not stop the answer): `?lang=` when it is a known
    language, else Accept-Language, else English."""
    return (
        known_language(request.query_params.get("lang"))
        or accepted_language(request.headers.get("accept-language"))
        or DEFAULT_LANGUAGE
    )


def visitor_language(request: Request) -> str:
    """The language asked for without a signed-in user: `?lang=`, else the `riskdesk_lang`
    cookie, else Accept-Language, else English."""
    return (
        known_language(request.query_params.get("lang"))
        or known_language(request.cookies.get(LANGUAGE_COOKIE))
        or accepted_language(request.headers.get("accept-language"))
        or DEFAULT_LANGUAGE
    )


def page_language(request: Request) -> str:
    """The language of the page answering `request`: `?lang=`, else the signed-in user's choice
    (engine.preferences), else the visitor's (`visitor_language`). Read once per request, once
    the user is known (`request.state.user`)."""
    chosen: str | None = getattr(request.state, "page_language", None)
    if chosen is not None:
        return chosen
    user = getattr(request.state, "user", None)
    if user is None:
        return visitor_language(request)
    chosen = known_language(request.query_params.get("lang"))
    if chosen is None:
        database: Database = request.app.state.database
        with database.transaction() as session:
            chosen = language_of(session, user.name)
    chosen = chosen or visitor_language(request)
    request.state.page_language = chosen
    return chosen


def switch_target(request: Request) -> str:
    """Where the language switch returns to: this page without its `?lang=`, or the home page
    after a form post (its address answers no GET)."""
    if request.method != "GET":
        return "/"
    query = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "lang"])
    return request.url.path + (f"?{query}" if query else "")


def _page_language(request: Request) -> str:
    return page_language(request)


# The page's language ("en" or "zh"); declare it after `PageUser`, so the user is known by then.
PageLanguageDep = Annotated[str, Depends(_page_language)]


# --- templates ---------------------------------------------------------------------------------


@pass_context
def _template_gettext(context: Context, message: str) -> str:
    return translator(context.get("page_language", DEFAULT_LANGUAGE)).gettext(message)


@pass_context
def _template_ngettext(context: Context, singular: str, plural: str, count: int) -> str:
    language = context.get("page_language", DEFAULT_LANGUAGE)
    return translator(language).ngettext(singular, plural, count)


@pass_context
def _template_say(context: Context, message: Text) -> str:
    """`{{ text | say }}`: an engine `Text` (a message id and its params) in the page's
    language."""
    language = context.get("page_language", DEFAULT_LANGUAGE)
    return message.in_language(language, translator(language).gettext)


def install_translations(env: Environment) -> None:
    """Give `env` the i18n extension (`{{ _('...') }}`, `{% trans %}`, newstyle: placeholders
    filled and escaped by Jinja), translating into the `page_language` of each render's context."""
    load_translations()
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(  # type: ignore[attr-defined]
        _template_gettext, _template_ngettext, newstyle=True
    )
    env.filters["say"] = _template_say
    env.globals.update(languages=LANGUAGE_NAMES)
