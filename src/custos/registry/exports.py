"""Exporting a registered model's passport, as the viewer may see it, in a standard format."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from custos.access.model import Principal
from custos.core.errors import InvalidInput
from custos.passports.cyclonedx import MEDIA_TYPE as CYCLONEDX_MEDIA_TYPE
from custos.passports.cyclonedx import to_cyclonedx
from custos.passports.records import ImportItem, OrganisationRef
from custos.passports.spdx import MEDIA_TYPE as SPDX_MEDIA_TYPE
from custos.passports.spdx import to_spdx
from custos.registry.model import ModelRegistered
from custos.registry.service import RegistryService

FORMATS: dict[str, tuple[Callable[[ImportItem], dict[str, Any]], str]] = {
    "cyclonedx": (to_cyclonedx, CYCLONEDX_MEDIA_TYPE),
    "spdx": (to_spdx, SPDX_MEDIA_TYPE),
}
_IDS = {"provider_id", "developer_ids", "base_model_id", "base_model_name"}
MODEL_FIELDS = [name for name in ModelRegistered.model_fields if name not in _IDS]


#: The supplier of an exported model whose provider the reader may not know.
WITHHELD_PROVIDER = "withheld (provider)"


def withheld(kind: str, record_id: str) -> str:
    """The name a standard's document gives a record whose name the viewer may not see: the
    formats require a name, and the id is public."""
    return f"withheld ({kind} {record_id})"


def model_item(registry: RegistryService, who: Principal, model_id: str) -> ImportItem:
    """A registered model as an :class:`ImportItem`, with only what ``who`` may see."""
    # The standards' builders read plain JSON: the model as the API would send it, withheld fields
    # absent.
    model = registry.model(who, model_id).model_dump(mode="json", exclude_unset=True)
    organisations = []
    for org_id in model.get("developer_ids") or ([model["provider_id"]] if "provider_id" in model else []):
        org = registry.organisation(who, org_id)
        name = org.name or withheld("organisation", org_id)
        organisations.append(OrganisationRef(name, org.country, tuple(org.jurisdictions or ())))
    if not organisations:  # the provider itself is withheld from the reader: say so, name no one
        organisations.append(OrganisationRef(WITHHELD_PROVIDER, None, ()))
    base_name = model.get("base_model_name")
    if not base_name and model.get("base_model_id"):
        base_name = registry.model(who, model["base_model_id"]).name
    passport = (model.get("passport") or {}).get("passport") or {}
    if "provenance" not in passport:
        passport = {**passport, "provenance": {"source": "custos"}}
    content = {k: model[k] for k in MODEL_FIELDS if model.get(k) not in (None, [], False)}
    content.setdefault("name", withheld("model", model_id))
    return ImportItem(
        label=f"model {model_id}",
        organisations=tuple(organisations),
        model=content,
        passport={k: v for k, v in passport.items() if v not in (None, [], {})},
        base_model_name=base_name,
    )


def export_model(registry: RegistryService, who: Principal, model_id: str, fmt: str) -> tuple[str, str]:
    """(document text, media type) of a model's passport in ``fmt``."""
    if fmt not in FORMATS:
        raise InvalidInput(f"unknown export format {fmt!r}: use one of {', '.join(FORMATS)}")
    build, media_type = FORMATS[fmt]
    return json.dumps(build(model_item(registry, who, model_id)), indent=2, ensure_ascii=False), media_type
