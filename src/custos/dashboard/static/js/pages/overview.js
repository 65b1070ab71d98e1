// Overview: what is registered, what is due, licences by status, the latest stress test, the log.
import { badge, h, money, number, tile } from "../ui.js";

export async function overviewPage({ api }) {
  const data = await api("/v1/overview");
  const sections = [h("h1", {}, "Overview")];
  sections.push(h("section", { "aria-label": "Registry", class: "tiles" },
    tile("Models registered", number(data.registry.models), "tile-models"),
    tile("Deployments", number(data.registry.deployments), "tile-deployments"),
    tile("Organisations", number(data.registry.organisations)),
    tile("Ledger entries", number(data.ledger.size), "tile-ledger")));
  if (data.obligations) {
    const statuses = Object.entries(data.obligations).filter(([key]) => key.startsWith("status_"));
    sections.push(h("h2", {}, "Obligations"), h("section", { class: "tiles", "aria-label": "Obligations" },
      tile("Overdue", number(data.obligations.overdue), "tile-overdue"),
      tile("Due in the next 7 days", number(data.obligations.due_this_week), "tile-due"),
      ...statuses.map(([key, count]) => tile(`Recorded ${key.slice(7)}`, number(count)))),
      h("p", {}, h("a", { href: "#/obligations?status=overdue" }, "See the overdue obligations")));
  }
  if (data.licences) {
    const entries = Object.entries(data.licences);
    sections.push(h("h2", {}, "Licences by status"), entries.length
      ? h("ul", {}, entries.map(([status, count]) => h("li", {}, badge(status), ` ${number(count)}`)))
      : h("p", {}, "No licences yet."));
  }
  if ("stress_test" in data) {
    const run = data.stress_test;
    sections.push(h("h2", {}, "Latest stress test"));
    if (!run) sections.push(h("p", {}, "No stress test has finished yet. ", h("a", { href: "#/stress" }, "Start one.")));
    else {
      const headline = run.headline;
      sections.push(h("p", {}, h("a", { href: `#/stress-run/${run.id}` }, run.scenario), ` (finished ${run.finished_at?.slice(0, 16) ?? ""})`),
        h("section", { class: "tiles", "aria-label": "Stress test" },
          tile("Expected loss", money(headline.expected_loss)),
          ...Object.entries(headline.expected_shortfall).map(([level, value]) => tile(`Expected shortfall ${level}`, money(value))),
          tile("Expected defaults", number(headline.expected_defaults, 3)),
          tile("Uninsurable linchpins", headline.linchpins.length ? headline.linchpins.join(", ") : "none")));
    }
  }
  sections.push(h("h2", {}, "Latest signed checkpoint"), data.ledger.checkpoint
    ? h("pre", { class: "note", "aria-label": "Signed checkpoint" }, data.ledger.checkpoint)
    : h("p", {}, "No checkpoint yet."),
  h("p", {}, h("a", { href: "#/ledger" }, "Check a filing against it")));
  return sections;
}
