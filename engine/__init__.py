"""The riskdesk runtime: persistence, versioned specs, evaluation, cases, timers, audit.

The only package with I/O and the clock. Services take an open `Session` (from
`Database.transaction()`) and keyword-only arguments with `now` passed in, and return the frozen
views of `engine.views`. Names are imported on first use, so `import engine` stays cheap and the
migrations can load `engine.models` alone.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS: dict[str, str] = {
    # database and settings
    "Database": "engine.db",
    "upgrade": "engine.db",
    "Settings": "engine.settings",
    "get_settings": "engine.settings",
    # errors
    "EngineError": "engine.errors",
    "NotFoundError": "engine.errors",
    "PermissionDeniedError": "engine.errors",
    "ConflictError": "engine.errors",
    "CaseAlreadyOpenError": "engine.errors",
    "InvalidRequestError": "engine.errors",
    "DataValidationError": "engine.errors",
    "NotConfiguredError": "engine.errors",
    # services
    "import_template": "engine.templates",
    "CustomerInput": "engine.customers",
    "upsert_customer": "engine.customers",
    "get_customer": "engine.customers",
    "list_customers": "engine.customer_list",
    "CustomerQuery": "engine.customer_query",
    "customer_query": "engine.customer_query",
    # field freshness: where each stored value came from (the import path names its source)
    "Source": "engine.freshness",
    "FieldFreshness": "engine.freshness",
    "list_assessments": "engine.explanations",
    "EventInput": "engine.events",
    "record_event": "engine.events",
    "import_rows": "engine.imports",
    "rejected_csv": "engine.imports",
    "ImportReport": "engine.imports",
    "RowError": "engine.imports",
    "list_cases": "engine.cases",
    "get_case": "engine.cases",
    "take_action": "engine.cases",
    "case_page": "engine.case_views",
    "list_inbox": "engine.inbox",
    "customer_cases": "engine.case_views",
    "INBOX_TABS": "engine.inbox",
    "publish_draft": "engine.publishing",
    "PublishOutcome": "engine.publishing",
    "sweep": "engine.timers",
    "start_rescore": "engine.rescoring",
    "get_rescore": "engine.rescoring",
    "list_rescores": "engine.rescoring",
    "RescoreView": "engine.rescoring",
    "start_scheduler": "engine.scheduler",
    "start_simulation": "engine.simulation",
    "simulation_view": "engine.simulation",
    "list_movers": "engine.simulation",
    "draft_checks": "engine.policy_checks",
    "workspace_calendar": "engine.calendars",
    "list_calendars": "engine.calendars",
    "calendar_days": "engine.calendars",
    "CalendarSummary": "engine.calendars",
    "CalendarDay": "engine.calendars",
    "start_reviews": "engine.reviews",
    # notifications, the outbox, delegation
    "notify": "engine.notifications",
    "Recipients": "engine.notifications",
    "ToRole": "engine.notifications",
    "ToOwner": "engine.notifications",
    "ToPermission": "engine.notifications",
    "recipients_for": "engine.notifications",
    "NotificationView": "engine.notifications",
    "list_notifications": "engine.notifications",
    "unread_count": "engine.notifications",
    "mark_read": "engine.notifications",
    "mark_all_read": "engine.notifications",
    "enqueue": "engine.outbox",
    "deliver_due": "engine.outbox",
    "set_delegation": "engine.delegations",
    "revoke_delegation": "engine.delegations",
    "list_delegations": "engine.delegations",
    "active_delegators": "engine.delegations",
    "delegate_of": "engine.delegations",
    "DelegationView": "engine.delegations",
    "check_order": "engine.credit_checks",
    "credit_policy": "engine.credit_checks",
    "decide_order": "engine.credit_decisions",
    "close_check": "engine.credit_decisions",
    "get_check": "engine.credit_decisions",
    "held_check_of_case": "engine.credit_decisions",
    "customer_orders": "engine.credit_decisions",
    "CreditCheckView": "engine.credit_views",
    # views
    "Page": "engine.views",
    "SpecRef": "engine.views",
    "SpecSummary": "engine.views",
    "list_specs": "engine.specs",
    "TemplateImported": "engine.views",
    "TermsView": "engine.views",
    "AlertView": "engine.views",
    "AssessmentView": "engine.views",
    "AssessmentSummary": "engine.views",
    "CustomerSummary": "engine.views",
    "CustomerView": "engine.views",
    "CustomerUpserted": "engine.views",
    "EventView": "engine.views",
    "EventRecorded": "engine.views",
    "CaseSummary": "engine.views",
    "CaseTransitionView": "engine.views",
    "CaseView": "engine.views",
    "CasePage": "engine.case_page_views",
    "ActionPanel": "engine.case_page_views",
    "ApprovalProgress": "engine.case_page_views",
    "AssessmentSnapshot": "engine.case_page_views",
    "AssessmentChange": "engine.case_page_views",
    "CustomerCard": "engine.case_page_views",
    "FormFieldInput": "engine.case_page_views",
    "HistoryEntry": "engine.case_page_views",
    "ReasonLine": "engine.case_page_views",
    "TermsChangeEntry": "engine.case_page_views",
    "TermsRow": "engine.case_page_views",
    "TriggerReason": "engine.case_page_views",
    "VoteEntry": "engine.case_page_views",
    "SweepReport": "engine.views",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'engine' has no attribute '{name}'")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
