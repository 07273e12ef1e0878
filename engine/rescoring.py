"""Rescoring the whole portfolio: a job of kind `rescore` (engine.jobs) whose chunks score their
customers with the published scoring ruleset through the bulk path (engine.rescore_bulk), and
its views.

A rescore is `{as_of, reason}`: `as_of` is fixed when the job starts (the date of `now` in the
workspace's time zone when not given), so a job that runs past midnight scores every customer on
one date. Each chunk's work and its "done" mark commit together, so a rescore killed and
restarted scores no customer twice and opens no case twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from sqlmodel import Session, col, select

from engine import jobs
from engine.errors import N_, InvalidRequestError
from engine.models import Job, JobChunk
from engine.pagination import clamp_limit, decode_cursor, encode_cursor
from engine.rescore_bulk import rescore_range
from engine.views import Page

KIND = "rescore"
MAX_REASON = 200


@dataclass(frozen=True, slots=True)
class TierChange:
    """Customers whose tier moved from `from_tier` (None: never assessed) to `to_tier`."""

    from_tier: str | None
    to_tier: str
    customers: int


@dataclass(frozen=True, slots=True)
class RescoreView:
    """A rescore and its progress: the counts sum the chunks done so far."""

    id: int
    status: str
    done: int
    total: int
    changed: int
    tier_changes: tuple[TierChange, ...]
    cases_opened: int
    as_of: date
    reason: str
    created_by: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    error: str | None


def rescore_params(params: Mapping[str, Any], *, now: datetime, tz: tzinfo) -> dict[str, Any]:
    """`{as_of, reason}` as a rescore job stores them: `as_of` an ISO date, fixed to the date
    of `now` in `tz` when None. Raises InvalidRequestError for another shape."""
    unknown = sorted(set(params) - {"as_of", "reason"})
    if unknown:
        raise InvalidRequestError(
            N_("a rescore takes as_of and reason, not %(names)s"), names=", ".join(unknown)
        )
    as_of = params.get("as_of")
    if as_of is None:
        as_of = now.astimezone(tz).date().isoformat()
    elif isinstance(as_of, date) and not isinstance(as_of, datetime):
        as_of = as_of.isoformat()
    else:
        try:
            as_of = date.fromisoformat(str(as_of)).isoformat()
        except ValueError as exc:
            raise InvalidRequestError(
                N_("as_of: expected a date as YYYY-MM-DD, found %(value)s"), value=str(as_of)
            ) from exc
    reason = params.get("reason", "manual")
    if not isinstance(reason, str) or not reason.strip() or len(reason) > MAX_REASON:
        raise InvalidRequestError(
            N_("reason: expected a text of 1 to %(max)s characters"), max=MAX_REASON
        )
    return {"as_of": as_of, "reason": reason}


class RescoreHandler:
    """The `rescore` kind of job (engine.job_kinds.HANDLERS)."""

    def prepare_params(
        self, params: Mapping[str, Any], *, now: datetime, tz: tzinfo
    ) -> dict[str, Any]:
        """Called by engine.jobs.start_job: fix `as_of` now, not when the chunks run."""
        return rescore_params(params, now=now, tz=tz)

    def process(
        self, session: Session, job: Job, chunk: JobChunk, *, now: datetime, tz: tzinfo
    ) -> dict[str, Any]:
        outcome = rescore_range(
            session,
            first_id=chunk.first_id,
            last_id=chunk.last_id,
            as_of=date.fromisoformat(job.params["as_of"]),
            actor=job.created_by or jobs.SYSTEM_ACTOR,
            now=now,
            tz=tz,
        )
        return {
            "scored": outcome.scored,
            "changed": outcome.changed,
            "tier_changes": [
                {"from": before, "to": after, "customers": n}
                for (before, after), n in sorted(
                    outcome.tier_changes.items(), key=lambda item: (item[0][0] or "", item[0][1])
                )
            ],
            "cases_opened": outcome.cases_opened,
            "ruleset": {"key": outcome.ruleset_key, "version": outcome.ruleset_version},
        }

    def combine(
        self, session: Session, job: Job, shares: Sequence[Mapping[str, Any]], *, now: datetime
    ) -> dict[str, Any]:
        return combine_shares(shares)


def combine_shares(shares: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The sum of chunk shares: `{scored, changed, tier_changes, cases_opened, rulesets}`."""
    moves: dict[tuple[str | None, str], int] = {}
    rulesets: dict[tuple[str, int], None] = {}
    scored = changed = opened = 0
    for share in shares:
        if not share:
            continue
        scored += int(share.get("scored", 0))
        changed += int(share.get("changed", 0))
        opened += int(share.get("cases_opened", 0))
        for move in share.get("tier_changes", ()):
            key = (move["from"], move["to"])
            moves[key] = moves.get(key, 0) + int(move["customers"])
        ruleset = share.get("ruleset")
        if ruleset:
            rulesets[(ruleset["key"], int(ruleset["version"]))] = None
    return {
        "scored": scored,
        "changed": changed,
        "tier_changes": [
            {"from": before, "to": after, "customers": n}
            for (before, after), n in sorted(moves.items(), key=lambda i: (i[0][0] or "", i[0][1]))
        ],
        "cases_opened": opened,
        "rulesets": [{"key": key, "version": version} for key, version in rulesets],
    }


def start_rescore(
    session: Session,
    *,
    actor: str | None,
    now: datetime,
    as_of: date | None = None,
    reason: str = "manual",
    chunk_size: int = jobs.DEFAULT_CHUNK_SIZE,
    tz: tzinfo = UTC,
) -> Job:
    """Queue a rescore of every customer stored now (audited), inside the caller's transaction;
    the sweep of any server process, or `riskdesk rescore`, processes its chunks.

    Raises InvalidRequestError for a bad reason or a chunk size below 1.
    """
    if chunk_size < 1:
        raise InvalidRequestError(N_("chunk_size must be at least 1"))
    return jobs.start_job(
        session,
        kind=KIND,
        params={"as_of": as_of.isoformat() if as_of else None, "reason": reason},
        actor=actor,
        now=now,
        chunk_size=chunk_size,
        tz=tz,
    )


def _progress(session: Session, job: Job) -> dict[str, Any]:
    if job.result is not None:
        return job.result
    shares = session.exec(
        select(JobChunk.result).where(JobChunk.job_id == job.id, col(JobChunk.done_at).is_not(None))
    ).all()
    return combine_shares([share or {} for share in shares])


def rescore_view(session: Session, job: Job) -> RescoreView:
    """The view of the rescore `job`, its counts summed over the chunks done so far."""
    assert job.id is not None
    progress = _progress(session, job)
    return RescoreView(
        id=job.id,
        status=job.status,
        done=job.done,
        total=job.total,
        changed=int(progress.get("changed", 0)),
        tier_changes=tuple(
            TierChange(move["from"], move["to"], int(move["customers"]))
            for move in progress.get("tier_changes", ())
        ),
        cases_opened=int(progress.get("cases_opened", 0)),
        as_of=date.fromisoformat(job.params["as_of"]),
        reason=str(job.params.get("reason", "manual")),
        created_by=job.created_by,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        error=job.error,
    )


def get_rescore(session: Session, job_id: int) -> RescoreView:
    """The rescore `job_id`. Raises NotFoundError."""
    return rescore_view(session, jobs.find_job(session, job_id, kind=KIND))


def list_rescores(
    session: Session, *, cursor: str | None = None, limit: int | None = None
) -> Page[RescoreView]:
    """The rescores, newest first, a page at a time. Raises InvalidRequestError (a foreign
    cursor, a limit below 1)."""
    size = clamp_limit(limit)
    query = select(Job).where(Job.kind == KIND)
    before = decode_cursor(cursor)
    if before is not None:
        query = query.where(col(Job.id) < before)
    rows = session.exec(query.order_by(col(Job.id).desc()).limit(size + 1)).all()
    items = tuple(rescore_view(session, row) for row in rows[:size])
    next_cursor = encode_cursor(items[-1].id) if len(rows) > size else None
    return Page(items=items, next_cursor=next_cursor)
