// Overview: what is registered, what is due, licences by status, the latest stress test, the log.
import { count, money, number, percent, timestamp } from "../format.js";
import { h, tile } from "../ui.js";

function registry(data) {
  return h("section", { "aria-label": "Registry", class: "tiles" },
    tile("Models registered", count(data.registry.models), "tile-models"),
    tile("Deployments", count(data.registry.deployments), "tile-deployments"),
    tile("Organisations", count(data.registry.organisations)),
    tile("Ledger entries", count(data.ledger.size), "tile-ledger"));
}

function obligations(counts) {
  const statuses = Object.entries(counts).filter(([key]) => key.startsWith("status_"));
  return [h("h2", {}, "Obligations"), h("section", { class: "tiles", "aria-label": "Obligations" },
    tile("Overdue", count(counts.overdue), "tile-overdue"),
    tile("Due in the next 7 days", count(counts.due_this_week), "tile-due"),
    ...statuses.map(([key, value]) => tile(`Recorded ${key.slice(7)}`, count(value)))),
  h("p", {}, h("a", { href: "#/obligations?status=overdue" }, "See the overdue obligations"))];
}

function licences(counts) {
  const statuses = Object.entries(counts);
  return [h("h2", {}, "Licences"), statuses.length
    ? h("section", { class: "tiles", "aria-label": "Licences" }, statuses.map(([status, value]) =>
      tile(status.replace(/^./, (first) => first.toUpperCase()), count(value), `tile-licences-${status}`)))
    : h("p", {}, "No licences yet.")];
}

function stressTest(run) {
  const parts = [h("h2", {}, "Latest stress test")];
  if (!run) return [...parts, h("p", {}, "No stress test has finished yet. ", h("a", { href: "#/stress" }, "Start one."))];
  const { headline, currency } = run;
  const linchpins = headline.linchpins.length ? headline.linchpins.join(", ") : "none";
  return [...parts,
    h("p", {}, h("a", { href: `#/stress-run/${run.id}` }, run.scenario), `: ${count(run.draws)} draws, finished ${timestamp(run.finished_at)}.`),
    h("section", { class: "tiles", "aria-label": "Stress test" },
      tile("Expected loss", money(headline.expected_loss, currency), "tile-expected-loss"),
      ...Object.entries(headline.expected_shortfall).map(([level, value]) =>
        tile(`Expected shortfall at ${percent(level)}`, money(value, currency))),
      tile("Expected defaults", number(headline.expected_defaults, 2)),
      tile("Pool size", money(headline.pool, currency))),
    h("p", {}, `Uninsurable linchpins: ${linchpins}.`)];
}

function checkpoint(ledger) {
  return [h("h2", {}, "Latest signed checkpoint"), ledger.checkpoint
    ? h("pre", { class: "note", id: "checkpoint" }, ledger.checkpoint)
    : h("p", {}, "No checkpoint yet."),
  h("p", {}, h("a", { href: "#/ledger" }, "Check a filing against it"))];
}

export async function overviewPage({ api }) {
  const data = await api("/v1/overview");
  return [
    h("h1", {}, "Overview"),
    registry(data),
    data.obligations ? obligations(data.obligations) : null,
    data.licences ? licences(data.licences) : null,
    "stress_test" in data ? stressTest(data.stress_test) : null,
    checkpoint(data.ledger),
  ].flat().filter(Boolean);
}
