"""The FastAPI application: routers, auth, problem details, and the checkpoint publisher."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI

import custos
from custos.access import AccessService
from custos.api import (
    access_routes,
    filings_routes,
    ledger_routes,
    licensing_routes,
    policy_routes,
    problems,
    registry_routes,
    transparency,
)
from custos.store import Store

log = logging.getLogger("custos.api")


async def _publish_checkpoints(store: Store, interval: float) -> None:
    """Sign a checkpoint every ``interval`` seconds when the log has grown (batched publishing)."""
    while True:
        await asyncio.sleep(interval)
        try:
            await asyncio.to_thread(store.publish_checkpoint)
        except Exception:  # keep publishing after a transient database error
            log.exception("checkpoint publishing failed; will retry")


def create_app(store: Store, *, checkpoint_interval: float | None = 5.0) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        task = (
            asyncio.create_task(_publish_checkpoints(store, checkpoint_interval))
            if checkpoint_interval
            else None
        )
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    app = FastAPI(
        title="Custos",
        version=custos.__version__,
        description="Supervisory infrastructure for systemic AI risk. Errors are RFC 9457 problem details.",
        lifespan=lifespan,
    )
    app.state.store = store
    app.state.access = AccessService(store)
    problems.install(app)
    app.include_router(transparency.router)
    app.include_router(ledger_routes.router)
    app.include_router(access_routes.router)
    app.include_router(filings_routes.router)
    app.include_router(registry_routes.router)
    app.include_router(policy_routes.router)
    app.include_router(licensing_routes.router)
    return app
