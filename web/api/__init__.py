"""The REST API under /api/v1: one router per resource, assembled here."""

from __future__ import annotations

from fastapi import APIRouter

from web.api import (
    alerts,
    audit,
    calendars,
    cases,
    credit_checks,
    customer_records,
    customer_views,
    customers,
    dashboard,
    drafts,
    forms,
    fx,
    imports,
    notifications,
    rescores,
    rulesets,
    schedules,
    shadow,
    simulations,
    system,
    templates,
    tokens,
    workflows,
)
from web.schemas import ProblemDetail

PROBLEM = {"model": ProblemDetail, "content": {"application/problem+json": {}}}

router = APIRouter(
    prefix="/api/v1",
    responses={401: PROBLEM, 403: PROBLEM, 404: PROBLEM, 409: PROBLEM, 422: PROBLEM},
)
router.include_router(system.router)
router.include_router(templates.router)
router.include_router(customers.router)
router.include_router(customer_records.router)
router.include_router(customer_views.router)
router.include_router(cases.router)
router.include_router(fx.router)
router.include_router(tokens.router)
router.include_router(audit.router)
router.include_router(rulesets.router)
router.include_router(simulations.router)
router.include_router(schedules.router)
router.include_router(shadow.router)
router.include_router(forms.router)
router.include_router(drafts.forms_router)
router.include_router(drafts.workflows_router)
router.include_router(workflows.router)
router.include_router(rescores.router)
router.include_router(imports.router)
router.include_router(calendars.router)
router.include_router(notifications.router)
router.include_router(credit_checks.router)
router.include_router(alerts.router)
router.include_router(dashboard.router)

__all__ = ["router"]
