// Stress tests: start a run from a scenario, follow its progress, see its charts and buffers.
import { ApiError } from "../api.js";
import { badge, failure, field, h, image, money, notice, number, percent, table, tile, when } from "../ui.js";

const CHARTS = [
  ["loss-distribution", "Loss distribution of the system"],
  ["exceedance", "Exceedance curve: the probability of a larger loss"],
  ["network", "Dependency network coloured by systemic importance"],
  ["contributors", "Top contributors to expected shortfall and capital"],
];

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
    ["State", (r) => badge(r.state)],
    ["Draws", (r) => number(r.draws), { number: true }],
    ["Submitted", (r) => when(r.submitted_at)],
  ], runs, "No run yet."));
  return sections;
}

async function charts(api, id) {
  const figures = await Promise.all(CHARTS.map(async ([name, caption]) => {
    const blob = await api(`/v1/risk/runs/${id}/charts/${name}`, { as: "blob" });
    return h("figure", { id: `chart-${name}` }, image(blob, caption), h("figcaption", {}, caption));
  }));
  return h("section", { class: "charts", "aria-label": "Charts" }, figures);
}

async function downloadLink(api, id) {
  const blob = await api(`/v1/risk/runs/${id}/files/report.html`, { as: "blob" });
  return h("a", { href: URL.createObjectURL(blob), download: `stress-test-${id}.html` }, "Download the report (HTML)");
}

async function results(api, id, status) {
  const data = await api(`/v1/risk/runs/${id}/results`);
  const system = data.system;
  const top = (rows, key, count = 25) => [...rows].sort((a, b) => (b[key] ?? 0) - (a[key] ?? 0)).slice(0, count);
  return [
    h("section", { class: "tiles", "aria-label": "Headline figures" },
      tile("Expected loss", money(system.expected_loss), "tile-expected-loss"),
      ...Object.entries(system.value_at_risk).map(([level, value]) => tile(`VaR ${level}`, money(value))),
      ...Object.entries(system.expected_shortfall).map(([level, value]) => tile(`Expected shortfall ${level}`, money(value))),
      tile("Expected defaults", number(system.expected_defaults, 3)),
      tile("Pool size", money(data.pool.size)),
      tile("Uninsurable linchpins", status.headline.linchpins.length ? status.headline.linchpins.join(", ") : "none")),
    h("p", {}, `${number(system.draws)} draws, seed ${data.seed}, contagion ${data.contagion.model}, engine ${data.engine}; `,
      `filed as `, h("a", { href: `#/ledger?filing=${status.filing_id}` }, status.filing_id), ". ", await downloadLink(api, id)),
    h("h2", {}, "Charts"), await charts(api, id),
    h("h2", {}, "Systemic importance"), table("Providers and models", [
      ["Name", (r) => r.name], ["Layer", (r) => r.layer],
      ["Failure probability", (r) => percent(r.failure_probability, 2), { number: true }],
      ["Loss given failure", (r) => money(r.expected_loss_given_failure), { number: true }],
      ["ES contribution", (r) => money(r.expected_shortfall_contribution), { number: true }],
      ["Loss alone", (r) => money(r.loss_alone), { number: true }],
      ["Linchpin", (r) => (r.uninsurable_linchpin ? "yes" : "")],
    ], top(data.providers, "expected_shortfall_contribution")),
    h("h2", {}, "Buffers"), table("Institutions: capital, premium and pool contribution", [
      ["Institution", (r) => r.name], ["Default probability", (r) => percent(r.default_probability, 2), { number: true }],
      ["Expected loss", (r) => money(r.expected_loss), { number: true }], ["Capital", (r) => money(r.capital), { number: true }],
      ["Premium", (r) => money(r.premium), { number: true }], ["Pool", (r) => money(r.pool_contribution), { number: true }],
    ], top(data.institutions, "capital")),
    table("Deployments: capital, premium and pool contribution", [
      ["Deployment", (r) => r.name], ["Owner", (r) => r.owner],
      ["Expected loss", (r) => money(r.expected_loss), { number: true }], ["Capital", (r) => money(r.capital), { number: true }],
      ["Premium", (r) => money(r.premium), { number: true }], ["Pool", (r) => money(r.pool_contribution), { number: true }],
    ], top(data.deployments, "capital")),
  ];
}

export async function stressRunPage({ id, api }) {
  const heading = h("h1", {}, "Stress test");
  const progress = h("progress", { id: "run-progress", class: "meter", max: 1, value: 0, "aria-label": "Chunks done" });
  const state = h("p", { id: "run-state", role: "status" }, "Waiting…");
  const body = h("div", {});
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
    state.replaceChildren("State: ", badge(status.state), ` — ${status.chunks_done ?? 0} of ${status.chunks} chunks`);
    if (status.state === "done") {
      progress.remove();
      body.replaceChildren(...(await results(api, id, status)));
    } else if (status.state === "failed") {
      body.replaceChildren(notice(`The run failed: ${status.error}`, "bad"));
    } else setTimeout(follow, 400);
  };
  setTimeout(follow, 0);
  return page;
}
