"""Filings made on behalf of a principal: who filed, for whom, and in which jurisdiction.

Every service files through this one helper, so the rules hold everywhere: the actor is the
principal's (the local operator's when it has none: the command line on the installation's own
files), the owner is the organisation the filing is about, and the jurisdiction is the act's own
when it has one, else the filer's, else the fallback the caller knows (the operator files in the
authority's). A filing with no jurisdiction at all is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from custos.access.model import OPERATOR_ID, Principal
from custos.core.clock import Clock
from custos.core.errors import InvalidInput
from custos.filings import Filing, FilingKind, Visibility, sent


def file_as(
    by: Principal,
    kind: FilingKind,
    content: BaseModel | Mapping[str, Any],
    *,
    owner: str,
    subject: str,
    clock: Clock,
    jurisdiction: str | None = None,
    fallback_jurisdiction: str | None = None,
    visibility: dict[str, Visibility] | None = None,
    supersedes: str | None = None,
) -> Filing:
    """Validate ``content`` for ``kind`` and seal it as a filing by ``by`` on behalf of ``owner``.

    A payload model is filed as :func:`custos.filings.sent` gives it: what its author set."""
    code = jurisdiction or by.jurisdiction or fallback_jurisdiction
    if not code:
        raise InvalidInput("the filer has no jurisdiction to file in")
    return Filing.create(
        kind=kind,
        content=sent(content) if isinstance(content, BaseModel) else dict(content),
        actor=by.actor_id or OPERATOR_ID,
        organisation=owner,
        jurisdiction_code=code,
        subject=subject,
        clock=clock,
        supersedes=supersedes,
        visibility=visibility,
    )
