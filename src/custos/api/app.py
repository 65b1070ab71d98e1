"""The FastAPI application: routers, auth, problem details, and the checkpoint publisher."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor

from fastapi import APIRouter, FastAPI

import custos
from custos.access.service import LAST_USED_SECONDS, AccessService, operator
from custos.api import openapi, problems
from custos.api.limits import BodyLimit
from custos.assurance.findings import FindingService
from custos.escrow.service import EscrowService
from custos.federation.sync import Sender
from custos.licensing.compliance import sweep
from custos.licensing.decision import DecisionPoint
from custos.risk.adapters.worker import DEFAULT_MEMORY_LIMIT
from custos.store import Store

log = logging.getLogger("custos.api")


async def _every(interval: float, work: Callable[[], object], what: str) -> None:
    """Run ``work`` in a thread every ``interval`` seconds, logging (not stopping on) failures."""
    while True:
        await asyncio.sleep(interval)
        try:
            await asyncio.to_thread(work)
        except Exception:  # keep going after a transient database error
            log.exception("%s failed; will retry", what)


def create_app(
    store: Store,
    *,
    checkpoint_interval: float | None = 5.0,
    compliance_interval: float | None = 60.0,
    decision_log_rate: float = 0.0,
    risk_scheduler: str | None = None,
    risk_memory_limit: int = DEFAULT_MEMORY_LIMIT,
    federation_interval: float | None = 2.0,
) -> FastAPI:
    """The app; while it runs it signs checkpoints when the log grew (batched publishing),
    sweeps licence conditions, suspending licences whose lapsed conditions say so, and red-team
    findings, taking the escalation rungs their missed clocks reach, and escrow deposits, auditing
    their storage and escalating overdue custody confirmations; files the
    share ``decision_log_rate`` of decisions it keeps for audit, every second, and writes the
    tokens' last-used times every minute; and, every ``federation_interval`` seconds, has its peers
    cosign its newest checkpoint and sends them the notices flagged for them."""
    decisions = DecisionPoint(store, log_rate=decision_log_rate)
    access = AccessService(store)
    runner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="stress-test")

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        tasks = []
        if checkpoint_interval:
            tasks.append(
                asyncio.create_task(_every(checkpoint_interval, store.publish_checkpoint, "checkpoint"))
            )
        if compliance_interval:
            tasks.append(
                asyncio.create_task(
                    _every(compliance_interval, lambda: sweep(store, by=operator(store)), "compliance sweep")
                )
            )
            tasks.append(
                asyncio.create_task(
                    _every(
                        compliance_interval,
                        lambda: FindingService(store).sweep(by=operator(store)),
                        "findings escalation sweep",
                    )
                )
            )
            tasks.append(
                asyncio.create_task(
                    _every(
                        compliance_interval,
                        lambda: EscrowService(store).sweep(by=operator(store)),
                        "escrow custody sweep",
                    )
                )
            )
        if decision_log_rate:
            tasks.append(asyncio.create_task(_every(1.0, decisions.flush, "decision log")))
        if federation_interval:
            sender = Sender(store)
            tasks.append(asyncio.create_task(_every(federation_interval, sender.run, "federation round")))
        tasks.append(
            asyncio.create_task(_every(LAST_USED_SECONDS, access.flush_last_used, "token last-used times"))
        )
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await asyncio.to_thread(decisions.flush)
            await asyncio.to_thread(access.flush_last_used)
            runner.shutdown(wait=False, cancel_futures=True)
            monitoring = getattr(app.state, "monitoring", None)  # started by the first telemetry
            if monitoring is not None:
                await asyncio.to_thread(monitoring.close)

    app = FastAPI(
        title="Custos",
        version=custos.__version__,
        description="Supervisory infrastructure for systemic AI risk. Errors are RFC 9457 problem details.",
        lifespan=lifespan,
    )
    app.state.store = store
    app.state.decisions = decisions
    app.state.risk_runner = runner
    app.state.risk_scheduler = risk_scheduler  # where stress tests started over HTTP run
    app.state.risk_memory_limit = risk_memory_limit  # the address space of each run's worker process
    app.state.access = access
    problems.install(app)
    openapi.install(app)
    app.add_middleware(BodyLimit)
    for reference in store.composition.routers():  # the hot path first: routes match in order
        app.include_router(_router(reference))
    return app


def _router(reference: str) -> APIRouter:
    """A router a contribution names by ``module:attribute``."""
    module, _, attribute = reference.partition(":")
    router = getattr(importlib.import_module(module), attribute)
    if not isinstance(router, APIRouter):
        raise TypeError(f"{reference} is not a router")
    return router
