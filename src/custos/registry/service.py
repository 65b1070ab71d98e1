"""The registry: filing organisations, models, passports and deployments, and reading them back
as each viewer may see them.

Writes take the filings' payload models (or the registration requests whose owner the service
fills from the caller) and return what was filed as the caller may see it. Reads return the frozen
read models of :mod:`custos.registry.views`, validated from what the viewer may see: a withheld
field is never set, so a caller that dumps with ``exclude_unset`` (the API, the command line)
writes it absent rather than null."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from custos.access.filer import file_as
from custos.access.model import Principal, Role
from custos.core.clock import stored_utc
from custos.core.errors import Conflict, Forbidden, NotFound
from custos.core.ids import new_id
from custos.filings import Filing, FilingKind, Visibility
from custos.passports.model import Passport
from custos.registry.documentation import (
    FRAMEWORK_PUBLISHED,
    TECHNICAL_DOCUMENTATION_FILED,
    FrameworkPublished,
    TechnicalDocumentation,
)
from custos.registry.model import (
    DEPLOYMENT_REGISTERED,
    MODEL_REGISTERED,
    NOTIFICATION_FILED,
    ORGANISATION_REGISTERED,
    PASSPORT_FILED,
    DeploymentRegistration,
    ModelRegistration,
    NotificationFiled,
    OrganisationRegistered,
)
from custos.registry.views import (
    DeploymentPage,
    DeploymentView,
    DocumentationView,
    FrameworkView,
    ModelDetail,
    ModelPage,
    ModelView,
    NotificationView,
    OrganisationPage,
    OrganisationView,
    PassportVersion,
)
from custos.store import Connection, Store
from custos.store import registry_views as rv
from custos.store.registry_views import DeploymentQuery, ModelQuery, OrganisationQuery, PageRequest


def acting_for(by: Principal, organisation_id: str, roles: tuple[Role, ...]) -> None:
    """Refuse unless ``by`` is a supervisor or one of ``roles`` acting for its own organisation."""
    if by.sees_everything:
        return
    if by.role not in roles or by.organisation_id != organisation_id:
        raise Forbidden(f"a {by.role} of another organisation cannot file for organisation {organisation_id}")


def _render(row: Mapping[str, Any], who: Principal, owner: str) -> dict[str, Any]:
    """A view row as ``who`` may see it: its visible content, and the names of withheld fields,
    as the mapping a read model is validated from (only what is shown is set)."""
    shown, withheld = who.redact(json.loads(row["content"]), json.loads(row["visibility"]), owner)
    return {"id": row["id"], **shown, "withheld": withheld, "filing_id": row["filing_id"]}


def _established(payload: BaseModel) -> str | None:
    """Where an organisation being registered is established: the jurisdiction it files in when
    the filer has none of its own."""
    return payload.jurisdiction if isinstance(payload, OrganisationRegistered) else None


def _viewer(who: Principal) -> rv.Viewer:
    return rv.Viewer(who.organisation_id, who.sees_everything)


def _listed(items: list[dict[str, Any]], found: rv.Page, store: Store) -> dict[str, Any]:
    """A page of a list: its items, the sealed cursor of the next page, and how many match in all.

    A mapping the page's read model is validated from, so each item's withheld fields stay unset
    (absent on the wire) rather than null."""
    return {"items": items, "next": store.cursors.seal(found.next_cursor), "total": found.total}


class RegistryService:
    def __init__(self, store: Store) -> None:
        self.store = store

    # --- writing ---------------------------------------------------------------------------

    def new_filing(
        self,
        kind: FilingKind,
        payload: BaseModel,
        *,
        by: Principal,
        owner: str,
        subject: str,
        visibility: dict[str, Visibility] | None = None,
        supersedes: str | None = None,
    ) -> Filing:
        """A registry filing of ``payload`` by ``by`` for ``owner``, not yet filed: the imports
        file many in one transaction. An organisation files in its own jurisdiction when the
        filer has none (the operator registering a firm abroad)."""
        return file_as(
            by,
            kind,
            payload,
            owner=owner,
            subject=subject,
            clock=self.store.clock,
            fallback_jurisdiction=payload.jurisdiction
            if isinstance(payload, OrganisationRegistered)
            else None,
            visibility=visibility,
            supersedes=supersedes,
        )

    def register_organisation(
        self,
        organisation: OrganisationRegistered,
        *,
        by: Principal,
        visibility: dict[str, Visibility] | None = None,
    ) -> OrganisationView:
        if not by.sees_everything:
            raise Forbidden("only supervisors register organisations")
        with self.store.transaction() as uow:
            if rv.organisation(uow.conn, name=organisation.name) is not None:
                raise Conflict(f"an organisation named {organisation.name!r} is already registered")
            org_id = new_id(self.store.clock)
            uow.file(
                self.new_filing(
                    ORGANISATION_REGISTERED,
                    organisation,
                    by=by,
                    owner=org_id,
                    subject=org_id,
                    visibility=visibility,
                )
            )
            row = rv.organisation(uow.conn, id=org_id)
        assert row is not None
        return OrganisationView.model_validate(_render(row, by, row["id"]))

    def register_model(
        self, model: ModelRegistration, *, by: Principal, visibility: dict[str, Visibility] | None = None
    ) -> ModelView:
        """Register a model for its provider: the caller's own organisation unless it names one."""
        provider = model.provider_id or by.organisation_id or ""
        acting_for(by, provider, (Role.PROVIDER,))
        with self.store.transaction() as uow:
            self._require_organisations(uow.conn, [provider, *model.developer_ids])
            if model.base_model_id and rv.model(uow.conn, model.base_model_id) is None:
                raise NotFound(f"no base model {model.base_model_id!r}")
            model_id = new_id(self.store.clock)
            filed = model.model_copy(update={"provider_id": provider})
            uow.file(
                self.new_filing(
                    MODEL_REGISTERED, filed, by=by, owner=provider, subject=model_id, visibility=visibility
                )
            )
            row = rv.model(uow.conn, model_id)
        assert row is not None
        return ModelView.model_validate(_render(row, by, row["provider_id"]))

    def file_passport(
        self,
        model_id: str,
        passport: Passport,
        *,
        by: Principal,
        visibility: dict[str, Visibility] | None = None,
    ) -> PassportVersion:
        """File a new passport version for a model; it supersedes the current one."""
        with self.store.transaction() as uow:
            model = rv.model(uow.conn, model_id)
            if model is None:
                raise NotFound(f"no model {model_id!r}")
            acting_for(by, model["provider_id"], (Role.PROVIDER,))
            current = rv.current_passport(uow.conn, model_id)
            uow.file(
                self.new_filing(
                    PASSPORT_FILED,
                    passport,
                    by=by,
                    owner=model["provider_id"],
                    subject=model_id,
                    visibility=visibility,
                    supersedes=current["filing_id"] if current else None,
                )
            )
            row = rv.current_passport(uow.conn, model_id)
        assert row is not None
        return PassportVersion.model_validate(_passport(row, by))

    def file_notification(
        self, model_id: str, notification: NotificationFiled, *, by: Principal
    ) -> NotificationView:
        """Record that the model's provider notified an authority that the model meets, or will
        meet, a threshold; an obligation to notify (EU AI Act Art. 52(1)) is discharged by it."""
        return NotificationView.model_validate(
            self._file_about_model(model_id, NOTIFICATION_FILED, notification, by)
        )

    def file_documentation(
        self, model_id: str, documentation: TechnicalDocumentation, *, by: Principal
    ) -> DocumentationView:
        """File the model's technical documentation (EU AI Act Annex XI); it discharges the duty
        to draw it up (Art. 53(1)(a))."""
        return DocumentationView.model_validate(
            self._file_about_model(model_id, TECHNICAL_DOCUMENTATION_FILED, documentation, by)
        )

    def publish_framework(
        self, organisation_id: str, publication: FrameworkPublished, *, by: Principal
    ) -> FrameworkView:
        """Record that a developer published its frontier AI framework, or a material modification
        of it (filed for the organisation by its provider actors or a supervisor)."""
        acting_for(by, organisation_id, (Role.PROVIDER,))
        with self.store.transaction() as uow:
            self._require_organisations(uow.conn, [organisation_id])
            filing = self.new_filing(
                FRAMEWORK_PUBLISHED, publication, by=by, owner=organisation_id, subject=organisation_id
            )
            uow.file(filing)
        return FrameworkView.model_validate(_as_filed(filing, by, "organisation_id"))

    def _file_about_model(
        self, model_id: str, kind: FilingKind, payload: BaseModel, by: Principal
    ) -> dict[str, Any]:
        """File ``payload`` about a model for its provider (or a supervisor); what of it the filer
        may read back."""
        with self.store.transaction() as uow:
            model = rv.model(uow.conn, model_id)
            if model is None:
                raise NotFound(f"no model {model_id!r}")
            acting_for(by, model["provider_id"], (Role.PROVIDER,))
            filing = self.new_filing(kind, payload, by=by, owner=model["provider_id"], subject=model_id)
            uow.file(filing)
        return _as_filed(filing, by, "model_id")

    def register_deployment(
        self,
        deployment: DeploymentRegistration,
        *,
        by: Principal,
        visibility: dict[str, Visibility] | None = None,
    ) -> DeploymentView:
        """Register a deployment for its deployer: the caller's own organisation unless it names one."""
        deployer = deployment.deployer_id or by.organisation_id or ""
        acting_for(by, deployer, (Role.DEPLOYER,))
        with self.store.transaction() as uow:
            hosts = [
                *filter(None, [deployment.hosting_provider_id]),
                *deployment.fallback_hosting_provider_ids,
            ]
            self._require_organisations(uow.conn, [deployer, *hosts])
            for model_id in [deployment.model_id, *deployment.fallback_model_ids]:
                if rv.model(uow.conn, model_id) is None:
                    raise NotFound(f"no model {model_id!r}")
            deployment_id = new_id(self.store.clock)
            filed = deployment.model_copy(update={"deployer_id": deployer})
            uow.file(
                self.new_filing(
                    DEPLOYMENT_REGISTERED,
                    filed,
                    by=by,
                    owner=deployer,
                    subject=deployment_id,
                    visibility=visibility,
                )
            )
            row = rv.deployment(uow.conn, deployment_id)
        assert row is not None
        return DeploymentView.model_validate(_render(row, by, row["deployer_id"]))

    @staticmethod
    def _require_organisations(conn: Connection, ids: list[str]) -> None:
        for org_id in ids:
            if rv.organisation(conn, id=org_id) is None:
                raise NotFound(f"no organisation {org_id!r}")

    # --- reading ---------------------------------------------------------------------------

    def _opened(self, page: PageRequest) -> PageRequest:
        return dataclasses.replace(page, cursor=self.store.cursors.open(page.cursor))

    def organisations(
        self,
        who: Principal,
        query: OrganisationQuery = OrganisationQuery(),
        page: PageRequest = PageRequest(),
    ) -> OrganisationPage:
        with self.store.read() as conn:
            found = rv.list_organisations(conn, query, self._opened(page), _viewer(who))
        items = [_render(r, who, r["id"]) for r in found.rows]
        return OrganisationPage.model_validate(_listed(items, found, self.store))

    def organisation(self, who: Principal, org_id: str) -> OrganisationView:
        with self.store.read() as conn:
            row = rv.organisation(conn, id=org_id)
        if row is None:
            raise NotFound(f"no organisation {org_id!r}")
        return OrganisationView.model_validate(_render(row, who, row["id"]))

    def models(
        self, who: Principal, query: ModelQuery = ModelQuery(), page: PageRequest = PageRequest()
    ) -> ModelPage:
        with self.store.read() as conn:
            found = rv.list_models(conn, query, self._opened(page), _viewer(who))
        items = []
        for row in found.rows:
            item = _render(row, who, row["provider_id"])
            item["completeness"] = row["completeness"]
            if row["compute_public"] or who.can_see(Visibility.OWNER, row["provider_id"]):
                item["training_flop"] = row["training_flop"]
            items.append(item)
        return ModelPage.model_validate(_listed(items, found, self.store))

    def model(self, who: Principal, model_id: str) -> ModelDetail:
        """A model with its current passport, completeness, and the number of its deployments."""
        with self.store.read() as conn:
            row = rv.model(conn, model_id)
            if row is None:
                raise NotFound(f"no model {model_id!r}")
            passport = rv.current_passport(conn, model_id)
            deployments = rv.count_deployments(conn, model_id)
        result = _render(row, who, row["provider_id"])
        result["passport"] = _passport(passport, who) if passport else None
        result["deployments"] = deployments
        return ModelDetail.model_validate(result)

    def passport_history(self, who: Principal, model_id: str) -> list[PassportVersion]:
        """Every version of the model's passport, newest first."""
        with self.store.read() as conn:
            if rv.model(conn, model_id) is None:
                raise NotFound(f"no model {model_id!r}")
            rows = rv.passport_history(conn, model_id)
        return [PassportVersion.model_validate(_passport(r, who)) for r in rows]

    def deployments(
        self, who: Principal, query: DeploymentQuery = DeploymentQuery(), page: PageRequest = PageRequest()
    ) -> DeploymentPage:
        with self.store.read() as conn:
            found = rv.list_deployments(conn, query, self._opened(page), _viewer(who))
        items = [_render(r, who, r["deployer_id"]) for r in found.rows]
        return DeploymentPage.model_validate(_listed(items, found, self.store))

    def deployment(self, who: Principal, deployment_id: str) -> DeploymentView:
        with self.store.read() as conn:
            row = rv.deployment(conn, deployment_id)
        if row is None:
            raise NotFound(f"no deployment {deployment_id!r}")
        return DeploymentView.model_validate(_render(row, who, row["deployer_id"]))


def _as_filed(filing: Filing, by: Principal, subject_field: str) -> dict[str, Any]:
    """A filing as its filer may read it back, as the mapping its read model is validated from:
    its id, its subject (named ``subject_field``), when it was filed, and the visible content."""
    visibility = {name: str(value) for name, value in filing.visibility.items()}
    shown, withheld = by.redact(filing.content, visibility, filing.organisation)
    ids = {"filing_id": filing.id, subject_field: filing.subject, "filed_at": filing.filed_at}
    return ids | shown | {"withheld": withheld}


def _passport(row: Mapping[str, Any], who: Principal) -> dict[str, Any]:
    """A passport version as ``who`` may see it, as the mapping :class:`PassportVersion` is
    validated from (only what is shown is set)."""
    shown, withheld = who.redact(json.loads(row["content"]), json.loads(row["visibility"]), row["owner_id"])
    return {
        "filing_id": row["filing_id"],
        "model_id": row["model_id"],
        "version": row["version"],
        "current": row["current"],
        "filed_at": stored_utc(row["filed_at"]).isoformat(),
        "completeness": row["completeness"],
        "missing": json.loads(row["missing"]),
        # Present is not the same as as-declared: the fields an import repaired or questioned,
        # from the notes the viewer may see.
        "flagged": sorted({note["field"] for note in shown.get("data_quality", ())}),
        "passport": shown,
        "withheld": withheld,
    }
