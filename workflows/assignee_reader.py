"""Reading who a step, an escalation or a notification is for: assignees and `notify` values.

Pure. Part of the loader, used by `workflows.step_reader` and `workflows.operation_reader`;
collects positioned diagnostics as it goes.
"""

from __future__ import annotations

from collections.abc import Collection
from types import MappingProxyType

from dsl import Diagnostic, Span, YamlMap
from dsl.diagnostics import error
from dsl.texts import N_, Text, described, did_you_mean, text
from workflows.model import (
    BUILT_IN_ROLES,
    CUSTOMER_DEPARTMENT,
    Assignee,
    AssigneeKind,
    Notify,
)
from workflows.reading import check_keys, expect_identifier, expect_map, expect_text

ASSIGNEE_KINDS = ("role", "owner", "user")
ASSIGNEE_KEYS = (*ASSIGNEE_KINDS, "department")
NOTIFY_KEYS = ("to", "template", "message")
LANGUAGES = ("en", "zh")


class AssigneeReader:
    """Reads assignees (`{role: R, department: D}`, `{owner: true}`, `{user: NAME}`) and
    notifications, checking roles against the template's."""

    def __init__(self, *, roles: Collection[str], diagnostics: list[Diagnostic]) -> None:
        self.roles = tuple(dict.fromkeys([*roles, *sorted(BUILT_IN_ROLES)]))
        self.diagnostics = diagnostics

    def error(self, code: str, message: Text, span: Span, hint: Text | None = None) -> None:
        self.diagnostics.append(error(code, message, span, hint))

    def assignee(self, mapping: YamlMap, key: str, *, where: Text) -> Assignee | None:
        """The assignee written as `mapping[key]`; None (reported) when it is wrong."""
        value = mapping[key]
        hint = (
            text(N_("write %(key)s: {role: %(value)s}"), key=key, value=value)
            if isinstance(value, str)
            else None
        )
        body = expect_map(
            value,
            mapping.value_span(key),
            what=text(N_("an assignee like {role: ...}")),
            diagnostics=self.diagnostics,
            hint=hint,
        )
        if body is None:
            return None
        inside = text(N_("in an assignee %(where)s"), where=where)
        check_keys(body, allowed=ASSIGNEE_KEYS, where=inside, diagnostics=self.diagnostics)
        kinds = [kind for kind in ASSIGNEE_KINDS if kind in body]
        if len(kinds) != 1:
            self.error(
                "bad-assignee",
                text(
                    N_(
                        "an assignee %(where)s names exactly one of role, owner or user, "
                        "found %(found)s"
                    ),
                    where=where,
                    found=", ".join(kinds) if kinds else text(N_("none")),
                ),
                body.span if not kinds else body.key_span(kinds[1]),
                hint=text(N_("write {role: NAME}, {owner: true} or {user: NAME}")),
            )
            return None
        kind = AssigneeKind(kinds[0])
        if "department" in body and kind is not AssigneeKind.ROLE:
            self.error(
                "bad-assignee",
                text(N_("'department' %(where)s goes with a role assignee only"), where=where),
                body.key_span("department"),
            )
            return None
        if kind is AssigneeKind.OWNER:
            if body["owner"] is not True:
                self.error(
                    "wrong-type",
                    text(
                        N_("'owner' in an assignee must be true, found %(found)s"),
                        found=described(body["owner"]),
                    ),
                    body.value_span("owner"),
                )
                return None
            return Assignee(kind=kind, span=body.key_span("owner"))
        if kind is AssigneeKind.USER:
            user = expect_text(
                body, "user", what=text(N_("a user name")), diagnostics=self.diagnostics
            )
            if user is None:
                return None
            return Assignee(kind=kind, user=user.strip(), span=body.value_span("user"))
        role = body["role"]
        span = body.value_span("role")
        if not isinstance(role, str) or role not in self.roles:
            self.error(
                "unknown-role",
                text(
                    N_("role '%(role)s' is not declared by the template%(did_you_mean)s"),
                    role=role,
                    did_you_mean=did_you_mean(str(role), self.roles),
                ),
                span,
                hint=text(N_("the declared roles are: %(roles)s"), roles=", ".join(self.roles)),
            )
            return None
        department = CUSTOMER_DEPARTMENT
        if "department" in body:
            written = expect_text(
                body,
                "department",
                what=text(N_("a department name, or customer")),
                diagnostics=self.diagnostics,
            )
            if written is None:
                return None
            department = written.strip()
        return Assignee(kind=kind, role=role, department=department, span=span)

    def notify(self, mapping: YamlMap, key: str, *, where: Text) -> Notify | None:
        """The notification written as `mapping[key]`; None (reported) when it is wrong."""
        body = expect_map(
            mapping[key],
            mapping.value_span(key),
            what=text(N_("a notification like {to: {role: ...}, template: NAME}")),
            diagnostics=self.diagnostics,
        )
        if body is None:
            return None
        inside = text(N_("in a notification %(where)s"), where=where)
        for kind in ASSIGNEE_KINDS:
            if kind in body:  # the design's excerpt wrote `notify: {role: sales, ...}`
                self.error(
                    "unknown-key",
                    text(N_("unknown key '%(name)s' %(where)s"), name=kind, where=inside),
                    body.key_span(kind),
                    hint=text(N_("write to: {%(kind)s: %(value)s}"), kind=kind, value=body[kind]),
                )
                return None
        check_keys(body, allowed=NOTIFY_KEYS, where=inside, diagnostics=self.diagnostics)
        if "template" not in body and "message" not in body:
            self.error(
                "missing-key",
                text(N_("a notification %(where)s needs a template or a message"), where=where),
                mapping.key_span(key),
            )
            return None
        to = self.assignee(body, "to", where=where) if "to" in body else None
        template = (
            expect_identifier(
                body, "template", what=text(N_("a template name")), diagnostics=self.diagnostics
            )
            if "template" in body
            else None
        )
        message = self.message(body) if "message" in body else None
        if (
            ("to" in body and to is None)
            or ("template" in body and template is None)
            or ("message" in body and message is None)
        ):
            return None
        return Notify(
            to=to,
            template=template,
            message=None if message is None else MappingProxyType(message),
            span=mapping.key_span(key),
        )

    def message(self, body: YamlMap) -> dict[str, str] | None:
        value = body["message"]
        if isinstance(value, str) and value.strip():
            return dict.fromkeys(LANGUAGES, value)
        texts = expect_map(
            value,
            body.value_span("message"),
            what=text(N_("a message: text, or a mapping of language (en, zh) to text")),
            diagnostics=self.diagnostics,
        )
        if texts is None:
            return None
        result: dict[str, str] = {}
        ok = bool(texts)
        for language in texts:
            if language not in LANGUAGES:
                self.error(
                    "unknown-language",
                    text(
                        N_("unknown language '%(language)s' in a label%(did_you_mean)s"),
                        language=language,
                        did_you_mean=did_you_mean(str(language), LANGUAGES),
                    ),
                    texts.key_span(language),
                    hint=text(
                        N_("labels are written in: %(languages)s"), languages=", ".join(LANGUAGES)
                    ),
                )
                ok = False
            else:
                written = expect_text(
                    texts, language, what=text(N_("the message's text")),
                    diagnostics=self.diagnostics,
                )  # fmt: skip
                if written is None:
                    ok = False
                else:
                    result[language] = written
        if not texts:
            self.error("wrong-type", text(N_("a message needs at least one language")), texts.span)
        return result if ok else None
