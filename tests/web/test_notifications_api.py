"""The notifications and delegations API over a real server, on each backend: your own
notifications in your language, marking read, and delegations you set or an admin sets."""

from __future__ import annotations

from datetime import timedelta

from engine import clock
from engine.db import Database
from engine.notifications import notify
from tests.web.conftest import RISKY, ApiClient, upsert


def _tell(database: Database, user: str, customer: str = "Acme") -> int:
    with database.transaction() as session:
        row = notify(
            session,
            recipients=user,
            kind="terms_changed",
            params={"customer": customer},
            now=clock.utcnow(),
        )[0]  # then the copy for their delegate, if any
        assert row.id is not None
        return row.id


def test_a_critical_alert_is_listed_in_the_callers_language(
    api: ApiClient, workspace: Database
) -> None:
    # a department head: told of the alert, not assigned the review it opens (sales managers are)
    manager = api.as_user("east_head", ["department_head"], department="east")
    upsert(workspace, "C-EAST", RISKY)  # court enforcement: a critical alert
    body = manager.get("/api/v1/notifications").json()
    assert body["unread"] == 1 and body["next_cursor"] is None
    (item,) = body["items"]
    assert item["kind"] == "critical_alert"
    assert item["text"] == "Critical alert on Shaky Trading Ltd.: Court enforcement: 2 record(s)"
    assert (item["customer_ref"], item["link"], item["read_at"]) == (
        "C-EAST",
        "/customers/C-EAST",
        None,
    )
    assert item["params"]["rule"] == "court_enforcement"
    zh = manager.get("/api/v1/notifications", headers={"Accept-Language": "zh-CN"}).json()
    assert (
        zh["items"][0]["text"] == "Shaky Trading Ltd. 出现严重预警：Court enforcement: 2 record(s)"
    )


def test_marking_read_is_for_ones_own_notifications(api: ApiClient, workspace: Database) -> None:
    alice = api.as_user("alice", ["sales"])
    bob = api.as_user("bob", ["sales"])
    first, second = _tell(workspace, "alice", "A"), _tell(workspace, "alice", "B")
    theirs = _tell(workspace, "bob")
    assert [i["id"] for i in alice.get("/api/v1/notifications").json()["items"]] == [second, first]
    read = alice.post(f"/api/v1/notifications/{first}/read")
    assert read.status_code == 200 and read.json()["read_at"] is not None
    unread = alice.get("/api/v1/notifications", params={"unread": "true"}).json()
    assert ([i["id"] for i in unread["items"]], unread["unread"]) == ([second], 1)
    refused = alice.post(f"/api/v1/notifications/{theirs}/read")
    assert refused.status_code == 404
    assert refused.json()["detail"] == f"there is no notification {theirs}"
    assert alice.post("/api/v1/notifications/99999999999999999999/read").status_code == 404
    assert alice.post("/api/v1/notifications/read-all").json() == {"marked": 1, "unread": 0}
    assert bob.get("/api/v1/notifications").json()["unread"] == 1


def test_a_page_of_notifications_continues_at_its_cursor(
    api: ApiClient, workspace: Database
) -> None:
    alice = api.as_user("alice", ["sales"])
    ids = [_tell(workspace, "alice", str(n)) for n in range(3)]
    first = alice.get("/api/v1/notifications", params={"limit": 2}).json()
    second = alice.get(
        "/api/v1/notifications", params={"limit": 2, "cursor": first["next_cursor"]}
    ).json()
    assert [i["id"] for i in first["items"] + second["items"]] == ids[::-1]
    bad = alice.get("/api/v1/notifications", params={"cursor": "nope"})
    assert bad.status_code == 422
    assert alice.get("/api/v1/notifications", params={"limit": 0}).status_code == 422


def _period(days_from_now: float = 0, days: float = 7) -> dict[str, str]:
    start = clock.utcnow() + timedelta(days=days_from_now)
    return {
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(days=days)).isoformat(),
    }


def test_a_delegation_sends_the_delegators_notifications_to_the_delegate(
    api: ApiClient, workspace: Database
) -> None:
    alice = api.as_user("alice", ["sales"])
    bob = api.as_user("bob", ["sales"])
    created = alice.post(
        "/api/v1/me/delegations",
        json={"delegate": "bob", "comment": "holiday", **_period(-0.01)},
    )
    assert created.status_code == 201, created.text
    delegation = created.json()
    assert (delegation["user"], delegation["delegate"], delegation["is_active"]) == (
        "alice",
        "bob",
        True,
    )
    _tell(workspace, "alice", "Acme")
    (copy,) = bob.get("/api/v1/notifications").json()["items"]
    assert copy["params"]["for"] == "alice"
    assert copy["text"] == "The credit terms of Acme changed (for alice, who delegates to you)"
    zh = bob.get("/api/v1/notifications", params={"lang": "zh"}).json()["items"][0]
    assert zh["text"] == "Acme 的信用条件已变更（代 alice 处理，其已委托给您）"
    # both see it in their lists; the delegate cannot revoke it
    assert [d["id"] for d in bob.get("/api/v1/me/delegations").json()["items"]] == [
        delegation["id"]
    ]
    assert bob.delete(f"/api/v1/me/delegations/{delegation['id']}").status_code == 404
    revoked = alice.delete(f"/api/v1/me/delegations/{delegation['id']}")
    assert revoked.status_code == 200 and revoked.json()["is_active"] is False
    assert alice.delete(f"/api/v1/me/delegations/{delegation['id']}").status_code == 409


def test_a_bad_delegation_is_refused_with_a_problem(api: ApiClient, workspace: Database) -> None:
    alice = api.as_user("alice", ["sales"])
    api.add_user("bob", ["sales"])
    api.add_user("carol", ["sales"])
    cases = [
        ({"delegate": "alice", **_period()}, 422, "a user cannot delegate to themselves"),
        ({"delegate": "nobody", **_period()}, 422, "the delegate 'nobody' is no active user"),
        ({"delegate": "bob", **_period(days=181)}, 422, "a delegation lasts at most 180 days"),
        ({"delegate": "bob", "starts_at": "soon", "ends_at": "later"}, 422, None),
    ]
    for body, status, detail in cases:
        response = alice.post("/api/v1/me/delegations", json=body)
        assert response.status_code == status, response.text
        if detail is not None:
            assert response.json()["detail"] == detail
    assert (
        alice.post("/api/v1/me/delegations", json={"delegate": "bob", **_period()}).status_code
        == 201
    )
    overlapping = alice.post("/api/v1/me/delegations", json={"delegate": "carol", **_period(1)})
    assert overlapping.status_code == 409
    assert overlapping.json()["detail"].startswith("alice already delegates to bob from ")
    assert len(alice.get("/api/v1/me/delegations").json()["items"]) == 1


def test_an_admin_sets_a_delegation_for_another_user(
    admin_api: ApiClient, api: ApiClient, workspace: Database
) -> None:
    alice = api.as_user("alice", ["sales"])
    api.add_user("bob", ["sales"])
    created = admin_api.post(
        "/api/v1/users/alice/delegations", json={"delegate": "bob", **_period()}
    )
    assert created.status_code == 201, created.text
    assert (created.json()["user"], created.json()["created_by"]) == ("alice", "ada")
    assert alice.get("/api/v1/me/delegations").json()["items"][0]["delegate"] == "bob"
    missing = admin_api.post(
        "/api/v1/users/nobody/delegations", json={"delegate": "bob", **_period()}
    )
    assert missing.status_code == 404
    refused = alice.post("/api/v1/users/bob/delegations", json={"delegate": "alice", **_period()})
    assert refused.status_code == 403
