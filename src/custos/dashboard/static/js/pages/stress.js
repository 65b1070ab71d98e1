// Stress tests: start a run from a scenario, follow its progress, see its charts and buffers.
import { ApiError } from "../api.js";
import { drawChart } from "../charts.js";
import { count, money, number, percent, timestamp } from "../format.js";
import { badge, failure, field, h, notice, table, tile } from "../ui.js";

// [name, caption, wide]: the network and the contributors take the whole width.
const CHARTS = [
  ["loss-distribution", "Loss distribution of the system: hover a bar for its draws", false],
  ["exceedance", "Exceedance curve: the probability of this loss or more", false],
  ["network", "Dependency network by share of expected shortfall: hover a node, drag to pan, " +
    "scroll to zoom, double-click to reset, click a layer in the legend to show only it", true],
  ["contributors", "Top contributors to expected shortfall and capital", true],
];
const LAYERS = { compute: "compute providers", model: "models" };

function problemText(error) {
  const problems = error.problem?.evidence?.problems;
  if (problems?.length) return problems.map((p) => `line ${p.line ?? "?"}: ${p.path}: ${p.reason}`).join("; ");
  const evidence = error.problem?.evidence;
  const entry = evidence?.entry ? ` (${evidence.entry}${evidence.value !== undefined ? ` = ${evidence.value}` : ""})` : "";
  return `${error.message}${entry}`;
}

function startForm(api, networks, examples) {
  const networkSelect = h("select", { name: "network" }, networks.map((n) =>
    h("option", { value: n.name, selected: n.name === (examples[0]?.network ?? "sample") }, `${n.name} — ${n.source}`)));
  const exampleSelect = h("select", { name: "example" }, examples.map((e, k) => h("option", { value: String(k) }, e.name)));
  const text = h("textarea", { name: "scenario", spellcheck: "false", rows: 18 }, examples[0]?.text ?? "");
  exampleSelect.addEventListener("change", () => {
    const chosen = examples[Number(exampleSelect.value)];
    text.value = chosen.text;
    networkSelect.value = chosen.network;
  });
  const scenarioField = field("Scenario (YAML)", text, "Validated before it runs; an error names the line.");
  const networkField = field("Network", networkSelect);
  const form = h("form", { id: "start-run", "aria-label": "Start a stress test", onsubmit: async (event) => {
    event.preventDefault();
    scenarioField.showError("");
    networkField.showError("");
    if (!text.value.trim()) {
      scenarioField.showError("Write or choose a scenario.");
      text.focus();
      return;
    }
    try {
      const run = await api("/v1/risk/runs", { method: "POST", body: { scenario: text.value, network: networkSelect.value } });
      location.hash = `#/stress-run/${run.id}`;
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      const target = error.status === 404 ? networkField : scenarioField;
      target.showError(problemText(error));
      (error.status === 404 ? networkSelect : text).focus();
    }
  } }, examples.length ? field("Start from an example", exampleSelect) : null, networkField, scenarioField,
  h("button", { type: "submit" }, "Start the stress test"));
  return form;
}

export async function stressPage({ api, visitor }) {
  const runs = await api("/v1/risk/runs");
  const sections = [h("h1", {}, "Stress tests")];
  if (visitor.permissions.includes("risk:runs:start")) {
    const [networks, examples] = await Promise.all([api("/v1/risk/networks"), api("/v1/risk/examples")]);
    sections.push(h("h2", {}, "Start a run"), startForm(api, networks, examples));
  }
  sections.push(h("h2", {}, "Runs"), table("Stress-test runs, newest first", [
    ["Scenario", (r) => h("a", { href: `#/stress-run/${r.id}` }, r.scenario)],
    ["Network", (r) => r.network?.name ?? "—"],
    ["State", (r) => badge(r.state)],
    ["Draws", (r) => count(r.draws), { number: true }],
    ["Submitted", (r) => timestamp(r.submitted_at)],
  ], runs, "No run yet."));
  return sections;
}

/** The charts' places, and a promise that they are drawn (or say why not). */
function charts(api, id) {
  const figures = CHARTS.map(([name, caption, wide]) => {
    const place = h("div", { class: "chart", id: `chart-${name}-view`, "aria-busy": "true" }, "Drawing…");
    // Focusable, so that a chart wider than a narrow screen can be scrolled with the keyboard.
    const figure = h("figure", { id: `chart-${name}`, class: wide ? "wide" : null, tabindex: "0" },
      place, h("figcaption", {}, caption));
    const drawn = api(`/v1/risk/runs/${id}/charts/${name}`)
      .then((spec) => {
        place.replaceChildren();
        return drawChart(place, spec);
      })
      .catch((error) => place.replaceChildren(failure(error)))
      .finally(() => place.removeAttribute("aria-busy"));
    return [figure, drawn];
  });
  const section = h("section", { class: "charts", "aria-label": "Charts" }, figures.map(([figure]) => figure));
  return [section, Promise.all(figures.map(([, drawn]) => drawn))];
}

async function downloadLink(api, id) {
  const blob = await api(`/v1/risk/runs/${id}/files/report.html`, { as: "blob" });
  return h("a", { href: URL.createObjectURL(blob), download: `stress-test-${id}.html` }, "Download the report (HTML)");
}

function linchpins(providers, layer) {
  const names = providers.filter((r) => r.layer === layer && r.uninsurable_linchpin).map((r) => r.name);
  return tile(`Uninsurable linchpins: ${LAYERS[layer]}`, names.length ? names.join(", ") : "none", `tile-linchpins-${layer}`);
}

/** An entity's buffers, layer by layer (runs before layering have only capital, premium and pool). */
function layerColumns(amount) {
  return [
    ["Expected loss", (r) => amount(r.expected_loss), { number: true }], ["Capital", (r) => amount(r.capital), { number: true }],
    ["Insurance layer (tail)", (r) => amount(r.insurance_requirement), { number: true }],
    ["Premium", (r) => amount(r.premium), { number: true }],
    ["Beyond both (tail)", (r) => amount(r.pool_requirement), { number: true }],
    ["Pool share", (r) => amount(r.pool_contribution), { number: true }],
  ];
}

/** The run's figures, tables and charts; the promise says when the charts are drawn. */
async function results(api, id, status) {
  const data = await api(`/v1/risk/runs/${id}/results`);
  const system = data.system;
  const currency = data.network.currency;
  const amount = (value) => money(value, currency);
  const top = (rows, key, limit = 25) => [...rows].sort((a, b) => (b[key] ?? 0) - (a[key] ?? 0)).slice(0, limit);
  // Each figure with its 95% Monte Carlo interval under it, or why batch means give none.
  const error = system.monte_carlo;
  const withInterval = (value, figure) => {
    if (!figure) return amount(value);
    const [low, high] = figure.interval ?? [];
    const text = figure.interval ? `95%: ${amount(low)} – ${amount(high).replace(`${currency} `, "")}` : `no 95% interval: ${figure.reason}`;
    return h("span", {}, amount(value), h("small", { class: "interval" }, text));
  };
  const capital = Object.entries(error?.expected_shortfall ?? {}).filter(([level]) => !(level in system.expected_shortfall));
  const [chartSection, drawn] = charts(api, id);
  const nodes = [
    h("section", { class: "tiles", "aria-label": "Headline figures" },
      tile("Expected loss", withInterval(system.expected_loss, error?.expected_loss), "tile-expected-loss"),
      ...Object.entries(system.value_at_risk).map(([level, value]) =>
        tile(`VaR ${percent(level)}`, withInterval(value, error?.value_at_risk[level]))),
      ...Object.entries(system.expected_shortfall).map(([level, value]) =>
        tile(`Expected shortfall ${percent(level)}`, withInterval(value, error?.expected_shortfall[level]))),
      ...capital.map(([level, figure]) =>
        tile(`Expected shortfall ${percent(level)} (capital level)`, withInterval(figure.estimate, figure))),
      ...(data.fire_sales ? [tile("Second-round loss (fire sales)", amount(system.expected_second_round_loss))] : []),
      tile("Expected defaults", number(system.expected_defaults, 3)),
      tile("Pool size", amount(data.pool.size)),
      linchpins(data.providers, "compute"),
      linchpins(data.providers, "model")),
    ...(error ? [h("p", {}, `Monte Carlo error: ${error.method}.`)] : []),
    h("p", {}, `${count(system.draws)} draws, seed ${data.seed}, contagion ${data.contagion.model}, engine ${data.engine}, `,
      `amounts in ${currency}; filed as `, h("a", { href: `#/ledger?filing=${status.filing_id}` }, status.filing_id), ". ",
      await downloadLink(api, id)),
    h("h2", {}, "Charts"), chartSection,
    h("h2", {}, "Systemic importance"), table("Providers and models", [
      ["Name", (r) => r.name], ["Layer", (r) => (r.layer === "compute" ? "Compute provider" : "Model")],
      ["Failure probability", (r) => percent(r.failure_probability), { number: true }],
      ["Loss given failure", (r) => amount(r.expected_loss_given_failure), { number: true }],
      ["ES contribution (Shapley)", (r) => amount(r.expected_shortfall_contribution), { number: true }],
      ["Loss alone", (r) => amount(r.loss_alone), { number: true }],
      ["Linchpin", (r) => (r.uninsurable_linchpin ? "yes" : "")],
    ], top(data.providers, "expected_shortfall_contribution")),
    ...(data.attribution ? [h("p", {}, `ES contributions: ${data.attribution.method}; asset markets ${amount(data.attribution.markets)}.`)] : []),
    ...(data.fire_sales ? [
      h("h2", {}, "Fire sales"),
      h("p", {}, `Overlapping portfolios (${data.fire_sales.method}): the second round adds ${amount(system.expected_second_round_loss)} `
        + `to the expected loss and makes up ${percent(system.second_round_share_of_expected_shortfall)} of the expected shortfall at the capital level.`),
      table("Asset classes", [
        ["Asset class", (r) => r.name], ["Holdings", (r) => amount(r.holdings), { number: true }],
        ["Mean price change", (r) => percent(r.mean_price_change), { number: true }],
        ["Worst price change", (r) => percent(r.worst_price_change), { number: true }],
      ], data.fire_sales.asset_classes),
    ] : []),
    h("h2", {}, "Buffers"),
    ...(data.pool.shared_by ? [h("p", {}, "Each entity's losses go to its capital first, then to an insurance layer attaching where "
      + "the capital ends, then to the pool, every requirement from the same tail draws; the pool is shared "
      + Object.entries(data.pool.shared_by).map(([rows, basis]) => `among ${rows} in proportion to ${basis}`).join(", ") + ". "
      + "A deployer's capital declarations and pool calls are checked against the sums over its deployments; an institution's own "
      + "figures count its losses as a balance sheet, contagion included, and differ from them.")] : []),
    table("Institutions: capital, insurance and pool", [
      ["Institution", (r) => r.name], ["Default probability", (r) => percent(r.default_probability), { number: true }],
      ...layerColumns(amount),
    ], top(data.institutions, "capital")),
    table("Deployments: capital, insurance and pool", [
      ["Deployment", (r) => r.name], ["Owner", (r) => r.owner],
      ...layerColumns(amount),
    ], top(data.deployments, "capital")),
  ];
  return [nodes, drawn];
}

export async function stressRunPage({ id, api }) {
  const heading = h("h1", {}, "Stress test");
  const progress = h("progress", { id: "run-progress", class: "meter", max: 1, value: 0, "aria-label": "Chunks done" });
  const state = h("p", { id: "run-state", role: "status" }, "Waiting…");
  const body = h("div", { id: "run-results" });
  const page = [heading, state, progress, body];
  const here = location.hash;
  const follow = async () => {
    if (location.hash !== here) return;
    let status;
    try {
      status = await api(`/v1/risk/runs/${encodeURIComponent(id)}`);
    } catch (error) {
      body.replaceChildren(failure(error));
      return;
    }
    heading.textContent = `Stress test: ${status.scenario}`;
    progress.max = status.chunks || 1;
    progress.value = status.chunks_done ?? 0;
    const chunks = ` — ${count(status.chunks_done ?? 0)} of ${count(status.chunks)} chunks`;
    state.replaceChildren("State: ", badge(status.state), chunks);
    if (status.state === "done") {
      // Results and charts take a moment to arrive: say so until they are all on the page.
      progress.remove();
      body.setAttribute("aria-busy", "true");
      state.replaceChildren("State: ", badge(status.state), `${chunks}; loading the results and charts…`);
      try {
        const [nodes, drawn] = await results(api, id, status);
        body.replaceChildren(...nodes);
        await drawn;
        state.replaceChildren("State: ", badge(status.state), chunks);
      } catch (error) {
        body.replaceChildren(failure(error));
      } finally {
        body.removeAttribute("aria-busy");
      }
    } else if (status.state === "failed") {
      body.replaceChildren(notice(`The run failed: ${status.error}`, "bad"));
    } else setTimeout(follow, 400);
  };
  setTimeout(follow, 0);
  return page;
}
