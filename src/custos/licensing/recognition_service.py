"""Agreeing and ending mutual recognition of licences between jurisdictions.

The service takes the agreement as its payload model (:class:`RecognitionAgreed`) and answers with
:class:`RecognitionView`."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from custos.access.filer import file_as
from custos.access.model import OPERATOR_ID, Principal
from custos.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from custos.core.ids import new_id
from custos.filings import Filing, FilingKind
from custos.licensing.recognition import RECOGNITION_AGREED, RECOGNITION_ENDED, RecognitionAgreed
from custos.licensing.views import RecognitionView
from custos.store import Store
from custos.store import licensing_views as lv


def render(row: dict[str, Any]) -> RecognitionView:
    """An agreement's view row as the read model: its status and the terms agreed."""
    return RecognitionView.model_validate(
        {"id": row["id"], "status": row["status"], **json.loads(row["terms"]), "filing_id": row["filing_id"]}
    )


class RecognitionService:
    def __init__(self, store: Store) -> None:
        self.store = store

    def agree(self, agreement: RecognitionAgreed, *, by: Principal) -> RecognitionView:
        """File an agreement (supervisors): ``recognising`` counts licences valid in ``recognised``."""
        if not by.sees_everything:
            raise Forbidden("only supervisors agree to recognise another jurisdiction's licences")
        if agreement.recognising == agreement.recognised:
            raise InvalidInput("a jurisdiction does not need to recognise its own licences")
        agreement_id = new_id(self.store.clock)
        with self.store.transaction() as uow:
            uow.file(self._filing(RECOGNITION_AGREED, agreement, agreement_id, by, agreement.recognising))
            row = lv.recognition(uow.conn, agreement_id)
        assert row is not None
        return render(row)

    def end(self, agreement_id: str, reason: str, *, by: Principal) -> RecognitionView:
        """End an agreement in force (supervisors), with the reason."""
        if not by.sees_everything:
            raise Forbidden("only supervisors end recognition agreements")
        with self.store.transaction() as uow:
            row = lv.recognition(uow.conn, agreement_id)
            if row is None:
                raise NotFound(f"no recognition agreement {agreement_id!r}")
            if row["status"] != "in force":
                raise Conflict("the agreement has already ended")
            uow.file(
                self._filing(RECOGNITION_ENDED, {"reason": reason}, agreement_id, by, row["recognising"])
            )
            updated = lv.recognition(uow.conn, agreement_id)
        assert updated is not None
        return render(updated)

    def list(self) -> list[RecognitionView]:
        """Every agreement, in force or ended, by recognising and recognised jurisdiction."""
        with self.store.read() as conn:
            return [render(row) for row in lv.list_recognitions(conn)]

    def _filing(
        self, kind: FilingKind, content: BaseModel | dict[str, Any], subject: str, by: Principal, where: str
    ) -> Filing:
        return file_as(
            by,
            kind,
            content,
            owner=by.organisation_id or OPERATOR_ID,
            subject=subject,
            clock=self.store.clock,
            jurisdiction=where,
        )
