"""Federation as the service returns it: peers, their standing, notices both ways, refusals."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from custos.federation.model import PeerScope


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class Identity(_View):
    """What a peer needs to recognise this installation: its log's origin and the two keys."""

    origin: str
    log_key: str = Field(description="Verifies this log's checkpoints and the notices it signs.")
    witness_key: str = Field(description="Verifies this installation's cosignatures of peers' checkpoints.")


class PeerView(_View):
    id: str
    name: str
    origin: str
    url: str
    log_key: str
    witness_key: str
    scope: PeerScope
    status: Literal["active", "withdrawn", "flagged"]
    flag: str | None = Field(None, description="Why it was flagged, when it is.")
    recognised_at: AwareDatetime


class PeerStatus(_View):
    """Where the exchange with one peer stands."""

    peer: PeerView
    our_size_cosigned: int = Field(description="The size of this log the peer last cosigned.")
    our_cosigned_at: AwareDatetime | None = None
    their_size_cosigned: int | None = Field(
        None, description="The size of its log this installation last cosigned."
    )
    their_cosigned_at: AwareDatetime | None = None
    pending: int = Field(0, description="Notices flagged for it and not yet acknowledged.")
    last_acknowledged_at: AwareDatetime | None = None
    last_received_at: AwareDatetime | None = None
    last_error: str | None = None


class OutgoingNotice(_View):
    id: str
    peer_id: str
    filing_id: str
    kind: str
    flagged_at: AwareDatetime
    status: Literal["pending", "acknowledged"]
    acknowledged_at: AwareDatetime | None = None
    received_as: str | None = None
    attempts: int = 0
    last_error: str | None = None


class IncomingNotice(_View):
    id: str
    peer_id: str
    origin: str
    notice_id: str
    filing_id: str
    kind: str
    received_at: AwareDatetime
    content: dict[str, object] | None = Field(
        None, description="The fields the peer disclosed, for supervisors."
    )


class NoticeResult(_View):
    """The receiver's answer to one notice of a batch."""

    notice: str | None
    status: Literal["accepted", "duplicate", "refused"]
    received_as: str | None = Field(None, description="Where the notice was filed here, unless refused.")
    reason: str | None = None
    detail: str | None = None


class NoticeResults(_View):
    """The answer to a delivery: one result per notice, in order, and the receipt signed for
    those accepted or held already (absent when every notice was refused)."""

    results: list[NoticeResult]
    receipt: str | None = None


class Refusal(_View):
    at: AwareDatetime
    origin: str | None
    peer_id: str | None
    notice_id: str | None
    reason: str
    detail: str
