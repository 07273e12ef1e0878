"""Starting a manual workflow from the customer page (`POST /customers/{ref}/cases`), on each
backend: a holder of cases:start for the customer's department sees one "Start" form per
published manual workflow, in their language, and lands on the new case's page; an open case of
it is linked instead (and a second start is a 409 whose error page links to it); anyone else sees
no form and is refused.

Each test checks the template and its context first, then as little HTML as it needs.
"""

from __future__ import annotations

from engine import clock
from engine.db import Database
from engine.manual_cases import StartableWorkflow
from engine.users import add_user, grant_role
from tests.engine.test_triggers import publish_workflow
from tests.web.conftest import HEALTHY, PASSWORD, RISKY, TERMS, PageClient, upsert

LABEL = {"en": "Credit review on request", "zh": "临时信用复核"}
MANUAL_REVIEW = """\
workflow: manual_review
label: {en: Credit review on request, zh: 临时信用复核}
trigger: {on: manual, when: "credit_limit > 0"}
start: look
steps:
  look:
    assignee: {role: sales_manager}
    actions:
      done: {to: closed}
"""


def published_manual_review(workspace: Database, ref: str = "C-EAST") -> None:
    """Publish MANUAL_REVIEW and create customer `ref` (department east) whose credit limit
    lets it start."""
    publish_workflow(workspace, MANUAL_REVIEW)
    upsert(workspace, ref, HEALTHY, terms=TERMS)


def test_a_sales_manager_starts_a_review_from_the_customer_page(
    workspace: Database, pages: PageClient
) -> None:
    published_manual_review(workspace)
    pages.login("mia", ["sales_manager"])

    page = pages.get("/customers/C-EAST")

    assert page.template.name == "customer.html"
    assert page.context["startable"] == (
        StartableWorkflow(key="manual_review", label=LABEL, open_case_id=None),
    )
    assert 'action="/customers/C-EAST/cases"' in page.text
    assert "Start Credit review on request" in page.text
    started = pages.post(
        "/customers/C-EAST/cases",
        data={
            "csrf_token": page.context["csrf_token"],
            "workflow": "manual_review",
            "comment": "  news of a lawsuit ",
        },
        follow_redirects=False,
    )
    assert started.status_code == 303, started.text
    case_page = pages.get(started.headers["location"])
    assert case_page.template.name == "case.html"
    case = case_page.context["case"]
    assert (case.workflow_key, case.step, case.status) == ("manual_review", "look", "open")
    (reason,) = case_page.context["page"].triggers
    assert reason.trigger == "manual"
    assert dict(reason.details)["comment"] == "news of a lawsuit"
    # back on the customer page, the open case is linked instead of the form
    again = pages.get("/customers/C-EAST")
    (offered,) = again.context["startable"]
    assert offered.open_case_id == case.id
    assert f'<a href="/cases/{case.id}">Credit review on request is open as case #{case.id}' in (
        again.text
    )
    assert 'action="/customers/C-EAST/cases"' not in again.text


def test_starting_a_review_already_open_links_to_the_open_case(
    workspace: Database, pages: PageClient
) -> None:
    published_manual_review(workspace)
    pages.login("mia", ["sales_manager"])
    token = pages.get("/customers/C-EAST").context["csrf_token"]
    form = {"csrf_token": token, "workflow": "manual_review"}
    first = pages.post("/customers/C-EAST/cases", data=form, follow_redirects=False)
    case_id = int(first.headers["location"].rsplit("/", 1)[1])

    second = pages.post("/customers/C-EAST/cases", data=form, follow_redirects=False)

    assert second.status_code == 409
    assert second.template.name == "error.html"
    assert second.context["detail"] == (
        f"customer 'C-EAST' already has an open case {case_id} of this workflow"
    )
    link = second.context["link"]
    assert (link.href, link.text) == (f"/cases/{case_id}", f"Open case #{case_id}")
    assert f'<a href="/cases/{case_id}" id="error-link">' in second.text


def test_without_cases_start_for_the_department_there_is_no_button_and_a_post_is_refused(
    workspace: Database, pages: PageClient
) -> None:
    published_manual_review(workspace)
    pages.login("sam", ["sales"])  # reads every customer, may not start a review
    page = pages.get("/customers/C-EAST")
    assert page.template.name == "customer.html"
    assert page.context["startable"] == ()
    assert 'id="start-cases"' not in page.text
    form = {"csrf_token": page.context["csrf_token"], "workflow": "manual_review"}
    refused = pages.post("/customers/C-EAST/cases", data=form)
    assert refused.status_code == 403 and refused.template.name == "error.html"

    # a sales manager of west reads the east customer (as legal) but may not start its review
    with workspace.transaction() as session:
        add_user(
            session,
            "wes",
            roles=["sales_manager"],
            department="west",
            password=PASSWORD,
            now=clock.utcnow(),
        )
        grant_role(session, "wes", "legal", actor="admin", now=clock.utcnow())
    pages.cookies.clear()
    signed_in = pages.post(
        "/login",
        data={"username": "wes", "password": PASSWORD, "csrf_token": pages.csrf()},
        follow_redirects=False,
    )
    assert signed_in.status_code == 303
    page = pages.get("/customers/C-EAST")
    assert page.context["startable"] == ()
    form["csrf_token"] = page.context["csrf_token"]
    refused = pages.post("/customers/C-EAST/cases", data=form)
    assert refused.status_code == 403 and refused.template.name == "error.html"
    assert refused.context["detail"] == "this needs the permission cases:start"
    assert pages.get("/customers/C-EAST").context["cases"] == ()


def test_a_start_without_the_csrf_token_is_refused(workspace: Database, pages: PageClient) -> None:
    published_manual_review(workspace)
    pages.login("mia", ["sales_manager"])

    refused = pages.post("/customers/C-EAST/cases", data={"workflow": "manual_review"})

    assert refused.status_code == 403
    assert refused.template.name == "error.html"
    assert pages.get("/customers/C-EAST").context["cases"] == ()


def test_a_review_whose_condition_fails_is_the_error_page(
    workspace: Database, pages: PageClient
) -> None:
    publish_workflow(workspace, MANUAL_REVIEW)
    upsert(workspace, "C-WEAK", RISKY)  # no credit limit: `credit_limit > 0` fails
    pages.login("mia", ["sales_manager"])
    token = pages.get("/customers/C-WEAK").context["csrf_token"]

    refused = pages.post(
        "/customers/C-WEAK/cases", data={"csrf_token": token, "workflow": "manual_review"}
    )

    assert refused.status_code == 422
    assert refused.template.name == "error.html"
    assert refused.context["detail"] == (
        "the condition of workflow 'manual_review' does not hold for customer 'C-WEAK'"
    )
    assert refused.context["link"] is None


def test_the_start_form_and_its_refusal_speak_chinese(
    workspace: Database, pages: PageClient
) -> None:
    published_manual_review(workspace)
    pages.login("mia", ["sales_manager"])

    page = pages.get("/customers/C-EAST", params={"lang": "zh"})

    assert page.context["page_language"] == "zh"
    assert "启动临时信用复核" in page.text
    assert "原因（可选）" in page.text
    token = page.context["csrf_token"]
    form = {"csrf_token": token, "workflow": "manual_review"}
    first = pages.post("/customers/C-EAST/cases?lang=zh", data=form, follow_redirects=False)
    case_id = int(first.headers["location"].rsplit("/", 1)[1])
    again = pages.get("/customers/C-EAST", params={"lang": "zh"})
    assert f"临时信用复核已有进行中的案件 #{case_id}" in again.text
    refused = pages.post("/customers/C-EAST/cases?lang=zh", data=form)
    assert refused.status_code == 409
    assert refused.context["link"].text == f"打开案件 #{case_id}"
