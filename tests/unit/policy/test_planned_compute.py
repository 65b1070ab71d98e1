"""EU AI Act Art. 52(1): notify "within two weeks after that requirement is met or it becomes known
that it will be met"; the Commission's guidelines (C(2025) 5045, section 2.3.2) ask providers to
estimate the compute of a training run before it starts and to notify when the estimate meets
the threshold. A passport declares the planned compute and the date it became known; the
notification a provider files (``notification.filed``) discharges the duty.

Worked by hand: known on Tuesday 20 October 2026; Regulation 1182/71 Art. 3(2)(c): two weeks end
at the end of the same weekday two weeks on, Tuesday 3 November, 24:00 in Brussels (23:00 UTC)."""

from __future__ import annotations

from custos.access.service import operator
from custos.passports.model import Passport
from custos.policy.pack import BUILTIN
from custos.policy.service import PolicyService
from custos.registry.model import ModelRegistration, NotificationFiled
from custos.registry.service import RegistryService
from custos.store import Store
from custos.store import policy_views as pv
from tests.unit.registry.world import Parties

KEY = "eu-ai-act/systemic-risk-foreseen/notify-commission-of-planned-compute"


def row(store: Store, model_id: str) -> dict[str, object]:
    with store.read() as conn:
        return pv.obligations_of(conn, [model_id])[(KEY, model_id)]


def test_planned_compute_above_the_threshold_starts_the_two_weeks_and_a_notification_answers(
    store: Store, world: Parties
) -> None:
    registry, by = RegistryService(store), operator(store)
    model = registry.register_model(
        ModelRegistration(name="Next", provider_id=world.provider, task="Language modeling/generation"), by=by
    )
    planned = {"planned_training_flop": 3e25, "planned_training_flop_known_on": "2026-10-20"}
    registry.file_passport(
        model.id, Passport.model_validate({"provenance": {"source": "manual"}, "compute": planned}), by=by
    )
    text = (BUILTIN / "eu-ai-act.yaml").read_text(encoding="utf-8")
    PolicyService(store).load(text, origin="eu-ai-act.yaml", by=by)
    found = row(store, model.id)
    assert found["status"] == "open"
    assert str(found["due_at"]).startswith("2026-11-03 23:00")
    registry.file_notification(
        model.id,
        NotificationFiled(
            regards="EU AI Act Art. 52(1)",
            authority="European Commission (AI Office)",
            training_flop=3.0e25,
            planned=True,
            estimation_method="6 x 400e9 parameters x 12.5e12 tokens",
        ),
        by=world.provider_actor,
    )
    assert row(store, model.id)["status"] == "discharged"
