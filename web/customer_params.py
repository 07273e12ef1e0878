"""The customer list's request parameters (engine.customer_query), declared once for the API's
list and export and the customers page, so OpenAPI names each and every reader checks them alike.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from engine.customer_query import MAX_TEXT, CustomerQuery, customer_query

Text = Annotated[str | None, Query(max_length=MAX_TEXT)]


def _query(
    search: Annotated[
        str | None, Query(max_length=MAX_TEXT, description="part of the name or reference")
    ] = None,
    tier: Text = None,
    department: Text = None,
    owner: Text = None,
    industry: Annotated[
        str | None, Query(max_length=MAX_TEXT, description="the customer data's `industry`")
    ] = None,
    flag: Annotated[
        str | None, Query(max_length=MAX_TEXT, description="a flag of the latest assessment")
    ] = None,
    open_case: Annotated[str | None, Query(description="yes or no")] = None,
    alert: Annotated[
        str | None, Query(description="an active alert: any, none, info, warning or critical")
    ] = None,
    sort: Annotated[
        str | None, Query(description="id (default), name, ref, score, tier or updated_at")
    ] = None,
    direction: Annotated[str | None, Query(description="asc (default) or desc")] = None,
) -> CustomerQuery:
    return customer_query(
        {
            "search": search,
            "tier": tier,
            "department": department,
            "owner": owner,
            "industry": industry,
            "flag": flag,
            "open_case": open_case,
            "alert": alert,
            "sort": sort,
            "direction": direction,
        }
    )


CustomerQueryDep = Annotated[CustomerQuery, Depends(_query)]
