"""What an audit or a red-team finding is about: a model or a deployment, read once, with the
firm that answers for it and the model it is or runs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from custos.store import Connection
from custos.store import registry_views as rv


@dataclass(frozen=True)
class AuditedSubject:
    kind: Literal["model", "deployment"]
    row: Mapping[str, Any]

    @property
    def id(self) -> str:
        return str(self.row["id"])

    @property
    def owner(self) -> str:
        """The firm that answers for it: the model's provider, the deployment's deployer."""
        return str(self.row["provider_id"] if self.kind == "model" else self.row["deployer_id"])

    @property
    def party(self) -> str:
        return "provider" if self.kind == "model" else "deployer"

    @property
    def model_id(self) -> str:
        """The model it is, or that it runs."""
        return self.id if self.kind == "model" else str(self.row["model_id"])


def audited_subject(conn: Connection, subject_id: str) -> AuditedSubject | None:
    """The model or deployment ``subject_id`` names, or None when it names neither."""
    model = rv.model(conn, subject_id)
    if model is not None:
        return AuditedSubject("model", model)
    deployment = rv.deployment(conn, subject_id)
    return AuditedSubject("deployment", deployment) if deployment is not None else None
