"""Seed the demonstration's buffers after the stress run: three finance deployers declare what
they hold against the run's requirement. The largest declares exactly what the run asks
(sufficient); the next holds three fifths of it (the packs attach the shortfall duty); the third
holds half and is insured above three quarters, a policy that leaves a gap between its capital and
the attachment and so counts for nothing. The insurer is a synthetic organisation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from custos.access.model import Principal
from custos.buffers.model import CapitalComponent, Component
from custos.buffers.requests import DeclarationRequest, PolicyRequest
from custos.buffers.service import BuffersService
from custos.core import units
from custos.registry.model import OrganisationKind, OrganisationRegistered
from custos.registry.service import RegistryService
from custos.store import Store

INSURER = "Demo Mutual Insurance (synthetic)"
CENT = Decimal("0.01")


def _declaration(firm: str, amount: Decimal, store: Store) -> DeclarationRequest:
    """Four fifths CET1, the rest AT1, adding up to the amount exactly."""
    cet1 = (amount * Decimal("0.8")).quantize(CENT)
    return DeclarationRequest(
        organisation_id=firm,
        amount=amount,
        currency="EUR",
        composition=(
            Component(component=CapitalComponent.CET1, amount=cet1),
            Component(component=CapitalComponent.AT1, amount=amount - cet1),
        ),
        as_of=store.clock.now().date(),
    )


def seed_buffers(store: Store, by: Principal, say: Callable[[str], None]) -> None:
    service = BuffersService(store)
    firms = sorted(service.positions(by=by).firms, key=lambda firm: -firm.requirement)[:3]
    if len(firms) < 3:
        return
    sufficient, short, gapped = firms
    service.declare(_declaration(sufficient.organisation_id, sufficient.requirement, store), by=by)
    held = (short.requirement * Decimal("0.6")).quantize(CENT)
    service.declare(_declaration(short.organisation_id, held, store), by=by)
    capital = (gapped.requirement * Decimal("0.5")).quantize(CENT)
    service.declare(_declaration(gapped.organisation_id, capital, store), by=by)
    insurer = RegistryService(store).register_organisation(
        OrganisationRegistered(
            name=INSURER, jurisdiction="DE", country="DE", kinds=[OrganisationKind.FINANCIAL_INSTITUTION]
        ),
        by=by,
    )
    today = store.clock.now().date()
    service.bind(
        PolicyRequest(
            insurer_id=insurer.id,
            insured_id=gapped.organisation_id,
            limit=gapped.requirement,
            attachment_point=(gapped.requirement * Decimal("0.75")).quantize(CENT),
            premium=(gapped.requirement * Decimal("0.02")).quantize(CENT),
            currency="EUR",
            term_start=today,
            term_end=today + timedelta(days=364),
            policy_reference="DMI-2026-001",
        ),
        by=by,
    )
    say(
        f"Buffers declared: {sufficient.organisation} holds {units.money(sufficient.requirement, 'EUR')} "
        f"(sufficient); {short.organisation} {units.money(held, 'EUR')} of "
        f"{units.money(short.requirement, 'EUR')} (short); {gapped.organisation} is insured above its "
        "capital."
    )
