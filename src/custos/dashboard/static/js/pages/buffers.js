// Buffers: what each firm holds (capital, and insurance attaching at or below it) against the
// capital the latest stress run asks of its deployments, shortfalls first. The API decides what
// each visitor reads: supervisors every firm of the run, a firm its own row; the public nothing.
import { ApiError } from "../api.js";
import { chartPlace } from "../charts.js";
import { count, money, timestamp } from "../format.js";
import { h, table, tile } from "../ui.js";

/** Required against capital and insurance per firm, side by side (Vega-Lite). */
function heldSpec(firms) {
  const currency = firms[0]?.currency ?? "EUR";
  const values = firms.flatMap((f) => [
    { firm: f.organisation, layer: "1 Required", amount: Number(f.requirement), shown: money(f.requirement, f.currency) },
    { firm: f.organisation, layer: "2 Capital", amount: Number(f.capital), shown: money(f.capital, f.currency) },
    { firm: f.organisation, layer: "3 Insurance", amount: Number(f.insurance), shown: money(f.insurance, f.currency) },
  ]);
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    width: "container",
    data: { values },
    mark: { type: "bar", tooltip: true },
    encoding: {
      y: { field: "firm", type: "nominal", title: null, sort: null },
      yOffset: { field: "layer" },
      x: { field: "amount", type: "quantitative", title: `Amount (${currency})`, axis: { format: "~s" } },
      color: { field: "layer", type: "nominal", title: null, legend: { labelExpr: "slice(datum.label, 2)" } },
      tooltip: [{ field: "firm" }, { field: "layer", title: "what" }, { field: "shown", title: "amount" }],
    },
  };
}

function shortfall(firm) {
  if (firm.sufficient) return h("span", { class: "badge status-discharged" }, "sufficient");
  return h("span", { class: "badge status-overdue", title: "held less than the run requires" },
    `short by ${money(firm.shortfall, firm.currency)}`);
}

function firmsTable(firms) {
  return table(`Firms of the latest run on the registry (${count(firms.length)})`, [
    ["Firm", (f) => (f.in_run === false ? `${f.organisation} (not in the run)` : f.organisation)],
    ["Deployments", (f) => count(f.deployments), { number: true }],
    ["Required", (f) => money(f.requirement, f.currency), { number: true }],
    ["Capital", (f) => money(f.capital, f.currency), { number: true }],
    ["Insurance counted", (f) => money(f.insurance, f.currency), { number: true }],
    ["Held", (f) => money(f.held, f.currency), { number: true }],
    ["Position", shortfall],
    ["Why some is not counted", (f) => [...f.notes, ...f.policies.filter((p) => p.reason).map((p) => `policy ${p.id} ${p.reason}`)].join("; ")],
  ], firms, "No firm of the latest run on the registry is yours to see.");
}

export async function buffersPage({ api }) {
  let view;
  try {
    view = await api("/v1/buffers/positions");
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) throw error;
    return [h("h1", {}, "Buffers"), h("p", {}, "No stress run has been filed: there is nothing to verify buffers against.")];
  }
  const firms = view.firms;
  const short = firms.filter((f) => !f.sufficient);
  return [
    h("h1", {}, "Buffers"),
    h("p", {}, `What each firm holds against the capital the latest stress run asks of its deployments: capital first, then insurance attaching at or below it; a policy attaching above the capital leaves a gap the firm bears itself and counts for nothing. Verified against the latest run on the registry's deployments, ${view.run_id} (${view.run_scenario}), filed ${timestamp(view.run_filed_at)}; held as of ${view.as_of}.`),
    h("section", { class: "tiles", "aria-label": "Buffers at a glance" },
      tile("Firms", count(firms.length), "buffers-firms"),
      tile("Short", count(short.length), "buffers-short")),
    firms.length
      ? h("figure", { class: "wide", tabindex: "0" }, chartPlace("buffers-chart", heldSpec(firms)),
        h("figcaption", {}, "Required, capital and insurance counted per firm, in the run's currency."))
      : null,
    firmsTable(firms),
  ].filter(Boolean);
}
