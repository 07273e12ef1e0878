"""The rules editor pages: the list of rulesets, the editor with its live check, saving a draft
(and a stale one refused), trying the draft on a customer, versions and their diff.

Each test checks the template and its context first, then as little HTML as it needs.
"""

from __future__ import annotations

import re
import shutil
from datetime import timedelta
from pathlib import Path

from markupsafe import escape
from sqlmodel import select

from engine import clock, specs
from engine.db import Database
from engine.drafts import get_draft, save_draft
from engine.errors import NotFoundError
from engine.job_kinds import run_due_chunks
from engine.models import Job, SpecKind
from engine.templates import import_template
from engine.users import add_user
from tests.conftest import EXAMPLE_TEMPLATE
from tests.web.conftest import HEALTHY, NOW, PASSWORD, PageClient, upsert
from tests.web.test_i18n import _english_left

HX = {"HX-Request": "true"}
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
NEW_RULE = (
    '\nrule big_balance "Balance above 50,000 CNY"\n'
    "  when outstanding_balance > 50_000\n"
    "  then add 40\n"
)


def published_source(database: Database) -> str:
    with database.transaction() as session:
        return specs.find_row(session, SpecKind.RULESET, "credit").source


def with_new_rule(source: str) -> str:
    return source.replace("\ntiers\n", NEW_RULE + "\ntiers\n")


def with_typo(source: str) -> tuple[str, int]:
    """The source with an unknown field, and the line it is on."""
    bad = source.replace("max_overdue_days > 90", "max_overdue_dayz > 90")
    return bad, bad.splitlines().index("  when max_overdue_dayz > 90") + 1


def saved_draft(database: Database, source: str, *, actor: str = "rita") -> str:
    """Save `source` as the draft through the engine; its checksum."""
    with database.transaction() as session:
        draft = save_draft(
            session, SpecKind.RULESET, "credit", source, actor=actor, now=clock.utcnow()
        )
    return draft.checksum


def has_draft(database: Database) -> bool:
    with database.transaction() as session:
        try:
            get_draft(session, SpecKind.RULESET, "credit")
        except NotFoundError:
            return False
    return True


def csrf(pages: PageClient) -> str:
    return str(pages.get("/rules").context["csrf_token"])


# --- who may use them --------------------------------------------------------------------------


def test_the_rules_pages_need_specs_edit(workspace: Database, pages: PageClient) -> None:
    pages.login("sam", ["sales_manager"])
    token = str(pages.get("/customers").context["csrf_token"])
    assert 'href="/rules"' not in pages.get("/customers").text
    for path in ("/rules", "/rules/credit", "/rules/credit/versions/1/diff"):
        refused = pages.get(path)
        assert refused.status_code == 403, path
        assert refused.template.name == "error.html"
    for path in ("/rules/credit/check", "/rules/credit/draft", "/rules/credit/try"):
        data = {"source": "x", "customer_ref": "C-1", "csrf_token": token}
        assert pages.post(path, data=data).status_code == 403, path
    assert not has_draft(workspace)


def test_a_risk_analyst_finds_the_rules_in_the_navigation(
    workspace: Database, pages: PageClient
) -> None:
    pages.login("rita", ["risk_analyst"])
    assert 'href="/rules"' in pages.get("/customers").text
    assert pages.get("/rules").status_code == 200


def test_signed_out_visitors_are_sent_to_login(pages: PageClient) -> None:
    response = pages.get("/rules/credit", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Frules%2Fcredit"


# --- the list ----------------------------------------------------------------------------------


def test_the_list_shows_the_published_version_and_the_draft(
    workspace: Database, pages: PageClient
) -> None:
    pages.login("rita", ["risk_analyst"])
    response = pages.get("/rules")
    assert response.template.name == "rules.html"
    (row,) = response.context["rulesets"]
    assert (row.key, row.published_version, row.draft_version) == ("credit", 1, None)
    assert row.label["en"] == "Manufacturing B2B credit risk"

    saved_draft(workspace, with_new_rule(published_source(workspace)), actor="rita")
    (row,) = pages.get("/rules").context["rulesets"]
    assert (row.published_version, row.draft_version, row.draft_author) == (1, 2, "rita")
    assert row.draft_saved_at is not None
    assert 'href="/rules/credit"' in pages.get("/rules").text


# --- the editor --------------------------------------------------------------------------------


def test_without_a_draft_the_editor_starts_from_the_published_text(
    workspace: Database, pages: PageClient
) -> None:
    pages.login("rita", ["risk_analyst"])
    response = pages.get("/rules/credit")
    assert response.template.name == "rules_editor.html"
    context = response.context
    source = published_source(workspace)
    assert context["source"] == source and context["draft"] is None
    assert context["checksum"] == "" and context["published_version"] == 1
    assert context["diagnostics"] == [] and context["marks"] == {}
    assert context["line_count"] == len(source.split("\n"))
    assert [(v.version, v.status) for v in context["versions"]] == [(1, "published")]
    # the textarea holds the text exactly, and checks it as it is typed
    assert re.search(
        r'<textarea id="source"[^>]*hx-trigger="input changed delay:400ms"', response.text
    )
    assert f">\n{escape(source)}</textarea>" in response.text


def test_a_live_check_lists_each_problem_with_line_and_column_and_saves_nothing(
    workspace: Database, pages: PageClient
) -> None:
    pages.login("rita", ["risk_analyst"])
    bad, line = with_typo(published_source(workspace))
    response = pages.post(
        "/rules/credit/check", data={"source": bad, "csrf_token": csrf(pages)}, headers=HX
    )
    assert response.status_code == 200
    html = response.text
    assert "<html" not in html  # the diagnostics block only
    assert f'data-line="{line}" data-column="8" data-severity="error"' in html
    assert f">{line}:8</a>" in html
    assert "unknown field &#39;max_overdue_dayz&#39;" in html
    assert "Errors: 1" in html
    assert "^^^^^^^^^^^^^^^^" in html  # the caret under the name
    assert not has_draft(workspace)

    fixed = pages.post(
        "/rules/credit/check",
        data={"source": published_source(workspace), "csrf_token": csrf(pages)},
        headers=HX,
    )
    assert "No problems found." in fixed.text and "data-line" not in fixed.text


def test_without_htmx_the_check_shows_the_editor_with_the_typed_text_marked(
    workspace: Database, pages: PageClient
) -> None:
    pages.login("rita", ["risk_analyst"])
    bad, line = with_typo(published_source(workspace))
    response = pages.post("/rules/credit/check", data={"source": bad, "csrf_token": csrf(pages)})
    assert response.template.name == "rules_editor.html"
    context = response.context
    assert context["source"] == bad
    (found,) = context["diagnostics"]
    assert (found.line, found.column, found.severity, found.code) == (
        line,
        8,
        "error",
        "unknown-field",
    )
    assert found.text == "  when max_overdue_dayz > 90"
    assert context["marks"] == {line: "error"}
    assert f'<span class="mark-error">{line}</span>' in response.text
    assert not has_draft(workspace)


def test_the_check_speaks_the_pages_language(workspace: Database, pages: PageClient) -> None:
    pages.login("rita", ["risk_analyst"])
    bad, _ = with_typo(published_source(workspace))
    english = pages.post("/rules/credit/check", data={"source": bad, "csrf_token": csrf(pages)})
    chinese = pages.post(
        "/rules/credit/check", data={"source": bad, "csrf_token": csrf(pages)}, headers=ZH
    )
    (en,) = english.context["diagnostics"]
    (zh,) = chinese.context["diagnostics"]
    assert (zh.line, zh.column, zh.code) == (en.line, en.column, en.code)
    assert zh.message != en.message and re.search(r"[\u4e00-\u9fff]", zh.message)
    assert "错误：1" in chinese.text


def test_a_check_without_the_csrf_token_is_refused(workspace: Database, pages: PageClient) -> None:
    pages.login("rita", ["risk_analyst"])
    response = pages.post("/rules/credit/check", data={"source": "x"}, headers=HX)
    assert response.status_code == 403


# --- saving ------------------------------------------------------------------------------------


def test_saving_keeps_the_draft_errors_and_all_and_says_so(
    workspace: Database, pages: PageClient
) -> None:
    pages.login("rita", ["risk_analyst"])
    bad, line = with_typo(published_source(workspace))
    response = pages.post(
        "/rules/credit/draft",
        data={"source": bad, "csrf_token": csrf(pages), "expected_checksum": ""},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/rules/credit?saved=1"
    editor = pages.get(response.headers["location"])
    context = editor.context
    assert context["notice"] == ("saved", None)
    assert context["draft"].version == 2 and context["draft"].author == "rita"
    assert context["source"] == bad and context["checksum"] == context["draft"].checksum
    assert [d.line for d in context["diagnostics"]] == [line]
    assert [(v.version, v.status) for v in context["versions"]] == [(1, "published"), (2, "draft")]
    assert "Draft saved." in editor.text


def test_a_textarea_s_crlf_line_breaks_are_saved_as_written(
    workspace: Database, pages: PageClient
) -> None:
    pages.login("rita", ["risk_analyst"])
    source = with_new_rule(published_source(workspace))
    posted = pages.post(
        "/rules/credit/draft",
        data={"source": source.replace("\n", "\r\n"), "csrf_token": csrf(pages)},
    )
    assert posted.status_code == 200  # after the redirect
    assert posted.context["source"] == source
    diff = pages.get("/rules/credit/versions/2/diff").context["diff"]["lines"]
    assert [line.kind for line in diff].count("del") == 0  # only the new rule's lines differ


def test_saving_a_draft_changed_meanwhile_is_refused_and_keeps_the_typed_text(
    workspace: Database, pages: PageClient
) -> None:
    source = published_source(workspace)
    first = saved_draft(workspace, source + "\n", actor="rita")
    saved_draft(workspace, with_new_rule(source), actor="otto")  # someone else, meanwhile
    pages.login("rita", ["risk_analyst"])
    typed = source + "\n# mine\n"
    response = pages.post(
        "/rules/credit/draft",
        data={"source": typed, "csrf_token": csrf(pages), "expected_checksum": first},
    )
    assert response.status_code == 409
    assert response.template.name == "rules_editor.html"
    context = response.context
    assert context["source"] == typed and context["checksum"] == first
    assert context["error"] == (
        "the draft of ruleset 'credit' was changed by someone else meanwhile; reload it"
    )
    assert context["draft"].author == "otto"  # nothing of rita's was saved
    assert 'role="alert"' in response.text


def test_saving_without_the_csrf_token_is_refused(workspace: Database, pages: PageClient) -> None:
    pages.login("rita", ["risk_analyst"])
    response = pages.post("/rules/credit/draft", data={"source": "x", "csrf_token": "nope"})
    assert response.status_code == 403
    assert not has_draft(workspace)


def test_an_unknown_ruleset_is_not_found(workspace: Database, pages: PageClient) -> None:
    pages.login("rita", ["risk_analyst"])
    assert pages.get("/rules/nothing").status_code == 404
    response = pages.post("/rules/nothing/draft", data={"source": "x", "csrf_token": csrf(pages)})
    assert response.status_code == 404
    assert pages.get("/rules/Bad-Key").status_code == 422


# --- trying on a customer ----------------------------------------------------------------------


def test_trying_shows_both_versions_side_by_side_and_what_starts_firing(
    workspace: Database, pages: PageClient
) -> None:
    upsert(workspace, "C-1", HEALTHY)
    saved_draft(workspace, with_new_rule(published_source(workspace)))
    pages.login("rita", ["risk_analyst"])
    editor = pages.get("/rules/credit")
    assert [c.ref for c in editor.context["customers"]] == ["C-1"]  # the picker
    response = pages.post(
        "/rules/credit/try",
        data={"customer_ref": "C-1", "as_of": "2026-11-28", "csrf_token": csrf(pages)},
    )
    assert response.status_code == 200
    tried = response.context["try_result"]
    assert response.context["try_error"] is None
    assert (tried.score_before, tried.tier_before) == (-10, "low")
    assert (tried.score_after, tried.tier_after) == (30, "medium")
    assert [f.id for f in tried.started_firing] == ["big_balance"] and tried.stopped_firing == ()
    assert "Balance above 50,000 CNY" in response.text

    fragment = pages.post(
        "/rules/credit/try",
        data={"customer_ref": "C-1", "as_of": "2026-11-28", "csrf_token": csrf(pages)},
        headers=HX,
    )
    assert "<html" not in fragment.text
    assert fragment.text.count('class="side"') == 2
    assert "Published v1" in fragment.text and "Draft v2" in fragment.text
    assert "score -10 → 30, tier low → medium" in fragment.text


def test_trying_an_unknown_customer_or_a_draft_with_errors_says_why(
    workspace: Database, pages: PageClient
) -> None:
    upsert(workspace, "C-1", HEALTHY)
    pages.login("rita", ["risk_analyst"])
    missing = pages.post(
        "/rules/credit/try", data={"customer_ref": "C-1", "csrf_token": csrf(pages)}
    )
    assert missing.status_code == 404
    assert missing.context["try_error"] == "there is no draft of ruleset 'credit'"
    saved_draft(workspace, with_typo(published_source(workspace))[0])
    refused = pages.post(
        "/rules/credit/try", data={"customer_ref": "C-1", "csrf_token": csrf(pages)}, headers=HX
    )
    assert refused.status_code == 200  # htmx swaps the block in; the refusal is inside it
    assert "has 1 error(s): correct them first" in refused.text
    nobody = pages.post(
        "/rules/credit/try", data={"customer_ref": "C-9", "csrf_token": csrf(pages)}
    )
    assert nobody.status_code == 404 and "C-9" in nobody.context["try_error"]


# --- versions and diff -------------------------------------------------------------------------


def test_a_version_is_compared_with_the_published_one_line_by_line(
    workspace: Database, pages: PageClient
) -> None:
    saved_draft(workspace, with_new_rule(published_source(workspace)))
    pages.login("rita", ["risk_analyst"])
    editor = pages.get("/rules/credit")
    assert 'href="/rules/credit/versions/2/diff#diff"' in editor.text
    response = pages.get("/rules/credit/versions/2/diff")
    assert response.template.name == "rules_editor.html"
    diff = response.context["diff"]
    assert diff["version"] == 2
    kinds = {line.text: line.kind for line in diff["lines"]}
    assert kinds["--- credit v1"] == "file" and kinds["+++ credit v2"] == "file"
    assert kinds['+rule big_balance "Balance above 50,000 CNY"'] == "add"
    fragment = pages.get("/rules/credit/versions/2/diff", headers=HX).text
    assert "<html" not in fragment
    assert '<span class="diff-add">+  then add 40</span>' in fragment
    assert pages.get("/rules/credit/versions/9/diff").status_code == 404


# --- both languages ----------------------------------------------------------------------------


def test_the_rules_pages_in_chinese_show_no_english_ui_text(
    workspace: Database, pages: PageClient
) -> None:
    upsert(workspace, "C-1", HEALTHY)
    saved_draft(workspace, with_new_rule(published_source(workspace)))
    pages.login("rita", ["risk_analyst"])
    token = csrf(pages)
    for response in (
        pages.get("/rules", headers=ZH),
        pages.get("/rules/credit", headers=ZH),
        pages.get("/rules/credit/versions/2/diff", headers=ZH),
        pages.post(
            "/rules/credit/try", data={"customer_ref": "C-1", "csrf_token": token}, headers=ZH
        ),
    ):
        assert response.status_code == 200, response.url
        assert response.context["page_language"] == "zh"
        assert _english_left(response.text) == set(), response.url
    editor = pages.get("/rules/credit", headers=ZH).text
    assert "保存草稿" in editor and "在客户上试算" in editor


# --- simulating on the portfolio ---------------------------------------------------------------


def run_chunks(database: Database) -> None:
    run_due_chunks(database, now=clock.utcnow(), worker="test", limit=100)


def test_a_simulation_polls_its_progress_then_shows_the_matrix_and_the_movers(
    workspace: Database, pages: PageClient
) -> None:
    upsert(workspace, "C-1", HEALTHY)
    upsert(workspace, "C-2", {**HEALTHY, "name": "Second Co."})
    saved_draft(workspace, with_new_rule(published_source(workspace)))
    pages.login("rita", ["risk_analyst"])
    started = pages.post(
        "/rules/credit/simulations",
        data={"as_of": "2026-11-28", "csrf_token": csrf(pages)},
        headers=HX,
    )
    assert started.status_code == 200 and "<html" not in started.text
    (simulation_id,) = re.findall(r'hx-get="/rules/credit/simulations/(\d+)"', started.text)
    assert 'hx-trigger="every 1s"' in started.text
    assert "running, 0 of 2 customers scored" in started.text

    run_chunks(workspace)
    done = pages.get(f"/rules/credit/simulations/{simulation_id}", headers=HX)
    assert "hx-trigger" not in done.text  # the polling stops
    assert "done, 2 customers scored, 2 change tier." in done.text

    page = pages.get(f"/rules/credit/simulations/{simulation_id}")
    assert page.template.name == "rules_editor.html"
    context = page.context
    assert context["simulation"].id == int(simulation_id)
    matrix = context["matrix"]
    assert matrix.to_tiers == ("high", "medium", "low")
    (row,) = matrix.rows
    assert row.from_tier == "low" and row.total == 2
    assert [c.customers if c else 0 for c in row.cells] == [0, 2, 0]
    assert sorted(m.customer_ref for m in context["movers"]) == ["C-1", "C-2"]
    assert [f["id"] for f in context["movers"][0].started_firing] == ["big_balance"]
    assert 'data-from="low" data-to="medium"' in page.text


def test_without_htmx_a_simulation_starts_and_leads_to_its_page(
    workspace: Database, pages: PageClient
) -> None:
    saved_draft(workspace, with_new_rule(published_source(workspace)))
    pages.login("rita", ["risk_analyst"])
    response = pages.post(
        "/rules/credit/simulations", data={"csrf_token": csrf(pages)}, follow_redirects=False
    )
    assert response.status_code == 303
    assert re.fullmatch(r"/rules/credit/simulations/\d+", response.headers["location"])
    shown = pages.get(response.headers["location"]).context
    assert shown["simulation"].result is None and shown["matrix"] is None


def test_a_simulation_without_a_draft_or_by_a_department_editor_is_refused(
    workspace: Database, pages: PageClient
) -> None:
    pages.login("rita", ["risk_analyst"])
    missing = pages.post("/rules/credit/simulations", data={"csrf_token": csrf(pages)})
    assert missing.status_code == 404
    assert missing.context["simulation_error"] == "there is no draft of ruleset 'credit'"
    in_block = pages.post("/rules/credit/simulations", data={"csrf_token": csrf(pages)}, headers=HX)
    assert in_block.status_code == 200 and 'role="alert"' in in_block.text
    saved_draft(workspace, with_new_rule(published_source(workspace)))
    with workspace.transaction() as session:
        add_user(
            session,
            "dora",
            roles=("risk_analyst",),
            department="east",
            password=PASSWORD,
            now=clock.utcnow(),
        )
    pages.cookies.clear()
    pages.post(
        "/login",
        data={"username": "dora", "password": PASSWORD, "csrf_token": pages.csrf()},
    )
    scoped = pages.post("/rules/credit/simulations", data={"csrf_token": csrf(pages)})
    assert scoped.status_code == 403
    assert "whole portfolio" in scoped.context["simulation_error"]


def test_another_rulesets_simulation_is_not_found_here(
    workspace: Database, pages: PageClient
) -> None:
    saved_draft(workspace, with_new_rule(published_source(workspace)))
    pages.login("rita", ["risk_analyst"])
    started = pages.post(
        "/rules/credit/simulations", data={"csrf_token": csrf(pages)}, follow_redirects=False
    )
    simulation_id = started.headers["location"].rsplit("/", 1)[1]
    assert pages.get(f"/rules/other/simulations/{simulation_id}").status_code == 404
    assert pages.get("/rules/credit/simulations/999999").status_code == 404


# --- publishing --------------------------------------------------------------------------------


def publish_form(pages: PageClient, **fields: str) -> dict[str, str]:
    editor = pages.get("/rules/credit").context
    return {
        "comment": "Balances above 50,000 CNY count",
        "expected_checksum": editor["draft"].checksum,
        "csrf_token": str(editor["csrf_token"]),
        **fields,
    }


def test_publishing_needs_specs_publish(workspace: Database, pages: PageClient) -> None:
    saved_draft(workspace, with_new_rule(published_source(workspace)))
    pages.login("rita", ["risk_analyst"])
    editor = pages.get("/rules/credit")
    assert editor.context["may_publish"] is False
    assert "Publishing needs the permission specs:publish" in editor.text
    refused = pages.post("/rules/credit/publish", data=publish_form(pages))
    assert refused.status_code == 403
    assert refused.context["publish_error"] == "this needs the permission specs:publish"
    with workspace.transaction() as session:
        assert specs.find_row(session, SpecKind.RULESET, "credit").version == 1


def test_a_publisher_publishes_the_draft_and_a_rescore_is_queued(
    workspace: Database, pages: PageClient
) -> None:
    upsert(workspace, "C-1", HEALTHY)
    saved_draft(workspace, with_new_rule(published_source(workspace)))
    pages.login("paula", ["risk_analyst", "cfo"])
    response = pages.post("/rules/credit/publish", data=publish_form(pages), follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/rules/credit?published=2"
    editor = pages.get(response.headers["location"])
    assert editor.context["notice"] == ("published", 2)
    assert editor.context["draft"] is None and editor.context["published_version"] == 2
    assert [(v.version, v.status) for v in editor.context["versions"]] == [
        (1, "retired"),
        (2, "published"),
    ]
    with workspace.transaction() as session:  # the rescore of the portfolio is queued
        (job,) = session.exec(select(Job).where(Job.kind == "rescore")).all()
    assert job.params["reason"] == "publish" and job.created_by == "paula"


def test_a_refused_publish_keeps_the_comment_and_says_why(
    workspace: Database, pages: PageClient
) -> None:
    saved_draft(workspace, with_new_rule(published_source(workspace)))
    pages.login("paula", ["risk_analyst", "cfo"])
    empty = pages.post("/rules/credit/publish", data=publish_form(pages, comment="  "))
    assert empty.status_code == 422
    assert empty.context["publish_error"] == "say in a comment why this version is published"
    stale = pages.post(
        "/rules/credit/publish", data=publish_form(pages, expected_checksum="0" * 64)
    )
    assert stale.status_code == 409
    assert stale.context["publish_comment"] == "Balances above 50,000 CNY count"
    bad_time = pages.post("/rules/credit/publish", data=publish_form(pages, effective_at="soon"))
    assert bad_time.status_code == 422 and "soon" in bad_time.context["publish_error"]
    saved_draft(workspace, with_typo(published_source(workspace))[0])
    errors = pages.post("/rules/credit/publish", data=publish_form(pages))
    assert errors.status_code == 422 and "error(s)" in errors.context["publish_error"]


def test_a_publish_at_a_later_time_is_scheduled(workspace: Database, pages: PageClient) -> None:
    saved_draft(workspace, with_new_rule(published_source(workspace)))
    pages.login("paula", ["risk_analyst", "cfo"])
    later = (clock.utcnow() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    response = pages.post(
        "/rules/credit/publish",
        data=publish_form(pages, effective_at=later),
        follow_redirects=False,
    )
    assert response.headers["location"] == "/rules/credit?scheduled=2"
    editor = pages.get(response.headers["location"])
    assert "is scheduled" in editor.text
    assert [(v.version, v.status) for v in editor.context["versions"]] == [
        (1, "published"),
        (2, "scheduled"),
    ]


def test_where_approval_is_required_the_page_requests_it_and_the_case_shows_the_impact(
    database: Database, pages: PageClient, tmp_path: Path
) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(EXAMPLE_TEMPLATE, bundle)
    template = bundle / "template.yaml"
    template.write_text(
        template.read_text(encoding="utf-8").replace(
            "\nroles:", "\ngovernance: {publish_requires_approval: true}\nroles:", 1
        ),
        encoding="utf-8",
    )
    with database.transaction() as session:
        import_template(session, bundle, actor="admin", now=NOW, base_currency="CNY")
    upsert(database, "C-1", HEALTHY)
    saved_draft(database, with_new_rule(published_source(database)))
    pages.login("paula", ["risk_analyst", "cfo"])
    simulated = pages.post(
        "/rules/credit/simulations", data={"csrf_token": csrf(pages)}, follow_redirects=False
    )
    assert simulated.status_code == 303
    run_chunks(database)
    editor = pages.get("/rules/credit")
    assert editor.context["needs_approval"] is True
    assert "Request approval" in editor.text
    asked = pages.post("/rules/credit/publish", data=publish_form(pages), follow_redirects=False)
    assert asked.status_code == 303
    case_url = asked.headers["location"]
    assert re.fullmatch(r"/cases/\d+", case_url)
    case = pages.get(case_url)
    assert case.template.name == "case.html"
    assert case.context["change"].impact["movers"] == 1
    assert 'data-from="low" data-to="medium"><strong>1</strong>' in case.text
    with database.transaction() as session:
        assert specs.find_row(session, SpecKind.RULESET, "credit").version == 1  # not yet
