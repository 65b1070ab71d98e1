"""The decision point over HTTP: ``custos serve`` on loopback, loaded by wrk from another process.

wrk (Debian package ``wrk``) keeps 16 connections busy on 1 thread for 15 seconds, posting
decision requests of a deployer for the models it holds licences for; the server runs
uvicorn with its default single worker.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from benchmarks.common import free_port, row, scratch_store
from custos.access.model import Role
from custos.access.service import AccessService, operator
from custos.licensing.model import LicenceApplication, LicenceStep, Transition
from custos.licensing.service import LicensingService
from custos.registry.model import ModelRegistration, OrganisationRegistered
from custos.registry.service import RegistryService

LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {token}"
local bodies = {bodies}
local i = 0
request = function()
  i = i + 1
  return wrk.format(nil, nil, nil, bodies[(i % #bodies) + 1])
end
"""

TITLE = "decisions over HTTP on loopback (wrk, 1 thread, 16 connections, 15 s; 1 uvicorn worker)"
TARGET = ">= 3,000/s, p99 <= 20 ms"


def main() -> None:
    if shutil.which("wrk") is None:
        row(TITLE, "not measured: wrk is not installed (apt-get install wrk)", TARGET)
        return
    store = scratch_store("decisions-http")
    by = operator(store)
    registry, licensing, access = RegistryService(store), LicensingService(store), AccessService(store)
    bank = registry.register_organisation(
        OrganisationRegistered.model_validate({"name": "Bank", "jurisdiction": "DE", "country": "DE"}), by=by
    )
    actor = access.add_actor("Decision client", Role.DEPLOYER, bank.id, by=by)
    token = access.issue_token(actor.id)
    bodies = []
    for index in range(100):
        lab = registry.register_organisation(
            OrganisationRegistered.model_validate({"name": f"Lab {index}", "jurisdiction": "FR"}), by=by
        )
        model = registry.register_model(
            ModelRegistration.model_validate({"name": f"Model {index}", "provider_id": lab.id}), by=by
        )
        application = {
            "applicant_id": bank.id,
            "model_id": model.id,
            "term_months": 12,
            "scope": {"jurisdictions": ["EU"], "sectors": ["finance"]},
        }
        licence = licensing.apply(LicenceApplication.model_validate(application), by=by)
        licensing.decide(licence.id, Transition.GRANT, LicenceStep(), by=by)
        for jurisdiction in ("DE", "US"):
            bodies.append(
                json.dumps(
                    {
                        "deployer": bank.id,
                        "model": model.id,
                        "jurisdiction": jurisdiction,
                        "sector": "finance",
                        "users": 10,
                    }
                )
            )
    home = store.settings.home
    store.close()
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "custos.cli",
            "--home",
            str(home),
            "serve",
            "--port",
            str(port),
            "--checkpoint-interval",
            "0",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(300):
            try:
                httpx.get(f"http://127.0.0.1:{port}/v1/ledger/status", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        script = Path(tempfile.mkdtemp()) / "decisions.lua"
        lua_bodies = "{" + ",".join(json.dumps(b) for b in bodies) + "}"
        script.write_text(LUA.replace("{token}", token).replace("{bodies}", lua_bodies))
        url = f"http://127.0.0.1:{port}/v1/decisions"
        subprocess.run(
            ["wrk", "-t1", "-c16", "-d3s", "-s", str(script), url], capture_output=True, check=True
        )
        result = subprocess.run(
            ["wrk", "-t1", "-c16", "-d15s", "--latency", "-s", str(script), url],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        server.terminate()
        server.wait(timeout=10)
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", result).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", result)
    assert p99 is not None
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", result)
    row(
        TITLE,
        f"{rate:,.0f} requests/s, p99 {float(p99.group(1)) * scale:.1f} ms"
        + (f", {errors.group(1)} errors" if errors else ""),
        TARGET,
    )


if __name__ == "__main__":
    main()
