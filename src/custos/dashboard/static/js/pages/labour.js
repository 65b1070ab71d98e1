// Labour: which occupations language models reach, how many workers a path of adoption could
// displace, and what cushioning them would cost. Exposure by occupation group under a chosen
// measure, the paper's headline shares checked against the data, the filed runs, and one run's
// displacement fan, programme costs with their intervals, who pays, and who loses by wage
// quintile. Everything here is public (aggregates of public data and public registry fields);
// starting a run files it, so the form is only offered to roles that may. Money is US dollars,
// as the BLS wages the figures rest on.
import { ApiError } from "../api.js";
import { chartPlace } from "../charts.js";
import { MISSING, count, money, number, percent, timestamp } from "../format.js";
import { parameterChoices } from "../schema.js";
import { field, h, notice, table, tile } from "../ui.js";

const START = "labor:runs:start";
const DEFAULT_MEASURE = "human_beta";
const MOST_DRAWS = 100_000;
const DEFAULT_DRAWS = 10_000;
const LARGEST_DEPLOYERS = 10;
// The measures of "GPTs are GPTs" (Eloundou, Manning, Mishkin and Rock, 2023): who rated the
// tasks, and which tasks count as exposed (E1: directly; E2: with software built on a model).
const RATERS = { human: "Human raters", model: "GPT-4 ratings" };
const KINDS = {
  alpha: "α: tasks exposed directly (E1)",
  beta: "β: E1 plus half of E2",
  gamma: "γ: E1 plus E2",
};
const PROGRAMMES = {
  unemployment_insurance: "Unemployment insurance",
  wage_insurance: "Wage insurance",
  retraining: "Retraining",
};
const PAYERS = { budget: "General budget", deployer_levy: "Levy on deployers", liability_pool: "Liability pool" };
// Colours that stay apart for the common kinds of colour blindness (Okabe and Ito), as the report's.
const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7"];
const CONFIG = { font: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 600, labelColor: "#1b1b1b", titleColor: "#1b1b1b" },
  legend: { labelFontSize: 11, titleFontSize: 12, labelColor: "#1b1b1b", titleColor: "#1b1b1b", orient: "bottom" } };
// An axis's labels with the scale words the figures use (1.5 m, 2 bn), written by Vega's own
// expression language, which the page's Content-Security-Policy lets it interpret.
const SCALED = "abs(datum.value) >= 1e12 ? format(datum.value / 1e12, '.3~') + ' tn' : abs(datum.value) >= 1e9 ? "
  + "format(datum.value / 1e9, '.3~') + ' bn' : abs(datum.value) >= 1e6 ? format(datum.value / 1e6, '.3~') + ' m' "
  + ": format(datum.value, ',.0f')";

const usd = (amount) => money(amount, "USD");

/** A measure in words: "Human raters, β: E1 plus half of E2". */
function measureName(measure) {
  const [rater, kind] = String(measure).split("_");
  return RATERS[rater] && KINDS[kind] ? `${RATERS[rater]}, ${KINDS[kind]}` : String(measure);
}

/** People, scaled above a million as the money is: 45,210 workers, 12.3 million workers. */
function workers(value) {
  if (value === null || value === undefined) return MISSING;
  for (const [scale, word] of [[1e9, "billion"], [1e6, "million"]]) {
    const scaled = value / scale;
    if (Math.abs(Number(scaled.toFixed(3))) >= 1) {
      const digits = Math.abs(scaled) >= 100 ? 0 : Math.abs(scaled) >= 10 ? 1 : 2;
      return `${number(scaled, digits)} ${word} workers`;
    }
  }
  return `${count(value)} ${Math.round(value) === 1 ? "worker" : "workers"}`;
}

/** A difference of shares in percentage points, signed: +0.4 points. */
function points(difference) {
  if (difference === null || difference === undefined) return MISSING;
  const figure = Number(number(difference * 100, 1));
  return `${figure > 0 ? "+" : figure < 0 ? "−" : ""}${number(Math.abs(difference * 100), 1)} points`;
}

/** A median with its 5th to 95th percentile interval on a line under it. */
function interval(show, p5, p50, p95) {
  return h("span", {}, show(p50), h("br"), h("small", { class: "interval" }, `${show(p5)} to ${show(p95)}`));
}

function yearly(percentiles, index) {
  return [percentiles.p5[index], percentiles.p50[index], percentiles.p95[index]];
}

function sum(values) {
  return values.reduce((total, value) => total + value, 0);
}

function link(params, changes) {
  const query = new URLSearchParams(params);
  for (const [key, value] of Object.entries(changes)) {
    if (value === null || value === undefined || value === "") query.delete(key);
    else query.set(key, value);
  }
  const text = query.toString();
  return `#/labour${text ? `?${text}` : ""}`;
}

// --- exposure --------------------------------------------------------------------------------

/** Workers (grey) and exposure-weighted workers (blue) per occupation group, largest exposed first. */
function exposureSpec(view) {
  const rows = [...view.rows].sort((a, b) => b.exposed_workers - a.exposed_workers);
  const values = rows.map((row) => ({ title: row.title, workers: row.workers, exposed: row.exposed_workers,
    shownWorkers: workers(row.workers), shownExposed: workers(row.exposed_workers), share: percent(row.exposed_share),
    wageBill: usd(row.exposed_wage_bill_usd) }));
  const y = { field: "title", type: "nominal", title: null, sort: null, axis: { labelLimit: Math.min(260, Math.round(window.innerWidth * 0.4)) } };
  const tooltip = [{ field: "title", title: "Occupation group" }, { field: "shownExposed", title: "Exposure-weighted" },
    { field: "shownWorkers", title: "Workers" }, { field: "share", title: "Share exposed" },
    { field: "wageBill", title: "Exposed wage bill a year" }];
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    description: `Workers and exposure-weighted workers by occupation group (${measureName(view.measure)}): `
      + values.map((v) => `${v.title} ${v.shownExposed} of ${v.shownWorkers}`).join("; ") + ".",
    config: CONFIG,
    width: "container",
    height: { step: 18 },
    autosize: { type: "fit-x", contains: "padding" },
    data: { values },
    encoding: { y, tooltip },
    layer: [
      { mark: { type: "bar", color: "#c8c8c8" }, encoding: { x: { field: "workers", type: "quantitative",
        title: "Workers", axis: { labelExpr: SCALED, tickCount: 5 } } } },
      { mark: { type: "bar", color: PALETTE[0] }, encoding: { x: { field: "exposed", type: "quantitative" } } },
    ],
  };
}

function exposureTable(view) {
  const rows = [...view.rows].sort((a, b) => b.exposed_workers - a.exposed_workers);
  return table(`Exposure by occupation group (${measureName(view.measure)})`, [
    ["Occupation group", (r) => h("span", {}, r.title, h("small", { class: "subject-kind" }, ` ${r.code}`))],
    ["Workers", (r) => workers(r.workers), { number: true }],
    ["Exposure-weighted workers", (r) => workers(r.exposed_workers), { number: true }],
    ["Share exposed", (r) => percent(r.exposed_share), { number: true }],
    ["Wage bill a year", (r) => usd(r.wage_bill_usd), { number: true }],
    ["Exposed wage bill a year", (r) => usd(r.exposed_wage_bill_usd), { number: true }],
  ], rows);
}

function measureForm(params, measures, chosen) {
  const select = h("select", { name: "measure" }, measures.map((value) =>
    h("option", { value, selected: value === chosen }, measureName(value))));
  select.addEventListener("change", () => { location.hash = link(params, { measure: select.value }); });
  return h("form", { class: "filters", id: "labour-measure", "aria-label": "Choose the exposure measure", onsubmit: (event) => {
    event.preventDefault();
    location.hash = link(params, { measure: select.value });
  } }, field("Measure", select, "Who rated the tasks, and which count as exposed"), h("button", { type: "submit" }, "Show"));
}

function exposureSection(view, params, measures) {
  return [
    h("h2", { id: "labour-exposure" }, "Exposure by occupation group"),
    h("p", {}, view.note),
    measureForm(params, measures, view.measure),
    h("section", { class: "tiles", "aria-label": "Exposure of all US workers" },
      tile("Workers", workers(view.workers), "labour-workers"),
      tile("Exposure-weighted workers", h("span", {}, workers(view.exposed_workers),
        h("small", { class: "interval" }, `${percent(view.exposed_workers / view.workers)} of workers`)), "labour-exposed"),
      tile("Wage bill a year", usd(view.wage_bill_usd), "labour-wage-bill"),
      tile("Exposed wage bill a year", usd(view.exposed_wage_bill_usd), "labour-exposed-wage-bill")),
    h("div", { class: "charts" }, h("figure", { class: "wide", tabindex: "0", "aria-labelledby": "labour-exposure-caption" },
      chartPlace("labour-exposure-chart", exposureSpec(view)),
      h("figcaption", { id: "labour-exposure-caption" }, `Workers by occupation group (BLS, May 2021) in grey, and in blue the exposure-weighted workers under ${measureName(view.measure)}, most exposed first.`),
      h("details", {}, h("summary", {}, "The figures as a table"), exposureTable(view)))),
    h("p", { class: "subject-kind" }, view.attribution),
  ];
}

// --- the paper's headline --------------------------------------------------------------------

function agreement(agrees) {
  if (agrees === null || agrees === undefined) return MISSING;
  return agrees ? h("span", { class: "badge status-granted" }, "agrees") : h("span", { class: "badge status-overdue" }, "differs");
}

function headlineSection(found) {
  const paper = found.measures.find((m) => m.measure === found.measure);
  return [
    h("h2", { id: "labour-headline" }, "The paper's headline, checked"),
    h("p", {}, found.note),
    paper ? h("section", { class: "tiles", "aria-label": "The paper's headline against the data" },
      tile("At least 10% of tasks exposed", h("span", {}, percent(paper.at_least_tenth_share),
        h("small", { class: "interval" }, `paper: about ${percent(paper.paper_at_least_tenth_share)} (${points(paper.difference_at_least_tenth_share)})`)), "labour-headline-tenth"),
      tile("More than half exposed", h("span", {}, percent(paper.over_half_share),
        h("small", { class: "interval" }, `paper: about ${percent(paper.paper_over_half_share)} (${points(paper.difference_over_half_share)})`)), "labour-headline-half"),
      tile("Agreement", h("span", {}, agreement(paper.agrees),
        h("small", { class: "interval" }, `within ${points(found.tolerance_share).replace(/^\+/, "")}`)), "labour-headline-agrees")) : null,
    table("Shares of workers by how much of their occupation's work is exposed, every measure (the paper published figures for one; — for the others)", [
      ["Measure", (m) => h("span", {}, measureName(m.measure), m.measure === found.measure ? h("small", { class: "subject-kind" }, " (the paper's)") : null)],
      ["At least 10% exposed", (m) => percent(m.at_least_tenth_share), { number: true }],
      ["Against the paper", (m) => points(m.difference_at_least_tenth_share), { number: true }],
      ["More than half", (m) => percent(m.over_half_share), { number: true }],
      ["Against the paper", (m) => points(m.difference_over_half_share), { number: true }],
      ["At least half", (m) => percent(m.at_least_half_share), { number: true }],
      ["Within tolerance", (m) => agreement(m.agrees)],
    ], found.measures),
  ];
}

// --- the runs --------------------------------------------------------------------------------

function runsTable(runs, params, chosen) {
  return table(`Labour runs, newest first (${count(runs.length)})`, [
    ["Run", (r) => h("a", { href: link(params, { run: r.run_id }), "aria-current": r.run_id === chosen ? "true" : null },
      `${r.scenario} with ${r.programmes}`)],
    ["Filed", (r) => h("span", { class: "nowrap" }, timestamp(r.filed_at))],
    ["Measure", (r) => measureName(r.measure)],
    ["Draws", (r) => count(r.draws), { number: true }],
    ["Seed", (r) => String(r.seed), { number: true }],
    ["Registry", (r) => (r.registry ? "drives adoption" : "not used")],
    ["Displaced over the horizon (median)", (r) => workers(r.horizon_displaced_workers_p50), { number: true }],
    ["Total cost over the horizon (median)", (r) => usd(r.horizon_total_cost_usd_p50), { number: true }],
  ], runs, "No labour run has been filed yet.");
}

/** The displacement fan: the 5th to 95th percentile band of cumulative displaced workers, and its median. */
function fanSpec(results) {
  const figure = results.cumulative_displaced_workers;
  const values = results.years.map((year, k) => ({ year, p5: figure.p5[k], p50: figure.p50[k], p95: figure.p95[k],
    median: workers(figure.p50[k]), band: `${workers(figure.p5[k])} to ${workers(figure.p95[k])}` }));
  const x = { field: "year", type: "quantitative", title: "Year", scale: { zero: false, nice: false },
    axis: { format: "d", tickMinStep: 1, labelAngle: 0 } };
  const y = { type: "quantitative", title: "Workers displaced so far", axis: { labelExpr: SCALED, tickCount: 5 } };
  const tooltip = [{ field: "year", title: "Year" }, { field: "median", title: "Median" }, { field: "band", title: "5th to 95th percentile" }];
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    description: `Workers displaced so far, by year: ${values.map((v) => `${v.year} ${v.median} (${v.band})`).join("; ")}.`,
    config: CONFIG,
    width: "container",
    height: 240,
    autosize: { type: "fit-x", contains: "padding" },
    data: { values },
    layer: [
      { mark: { type: "area", color: PALETTE[0], opacity: 0.25 }, encoding: { x, y: { ...y, field: "p5" }, y2: { field: "p95" }, tooltip } },
      { mark: { type: "line", color: PALETTE[0], strokeWidth: 2, point: { filled: true, size: 40 } },
        encoding: { x, y: { ...y, field: "p50" }, tooltip } },
    ],
  };
}

/** Each programme's cost per year: the median as a bar, the 5th to 95th percentile as a line through it. */
function costsSpec(results) {
  const names = Object.keys(results.programme_cost_usd);
  const values = names.flatMap((name) => results.years.map((year, k) => {
    const [p5, p50, p95] = yearly(results.programme_cost_usd[name], k);
    return { year: String(year), programme: PROGRAMMES[name] ?? name, p5, p50, p95, median: usd(p50), band: `${usd(p5)} to ${usd(p95)}` };
  }));
  const x = { field: "year", type: "ordinal", title: "Year", axis: { labelAngle: 0 } };
  const offset = { field: "programme", sort: names.map((name) => PROGRAMMES[name] ?? name) };
  const y = { type: "quantitative", title: "Cost a year (USD)", axis: { labelExpr: SCALED, tickCount: 5 } };
  const tooltip = [{ field: "programme", title: "Programme" }, { field: "year", title: "Year" },
    { field: "median", title: "Median" }, { field: "band", title: "5th to 95th percentile" }];
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    description: `Cost of each programme per year, median with the 5th to 95th percentile: ${values.map((v) => `${v.programme} ${v.year} ${v.median} (${v.band})`).join("; ")}.`,
    config: CONFIG,
    width: "container",
    height: 240,
    autosize: { type: "fit-x", contains: "padding" },
    data: { values },
    encoding: { x, xOffset: offset, tooltip },
    layer: [
      { mark: { type: "bar", opacity: 0.85 }, encoding: { y: { ...y, field: "p50" },
        color: { field: "programme", title: "Programme", sort: offset.sort, scale: { range: PALETTE },
          legend: { columns: window.innerWidth < 640 ? 1 : names.length } } } },
      { mark: { type: "rule", color: "#1b1b1b", strokeWidth: 1.5 }, encoding: { y: { ...y, field: "p5" }, y2: { field: "p95" } } },
    ],
  };
}

function yearsTable(results) {
  const rows = results.years.map((year, k) => ({ year, k }));
  const cell = (figure, show) => (r) => interval(show, ...yearly(figure, r.k));
  return table("Workers and earnings per year: the median, and under it the 5th to 95th percentile", [
    ["Year", (r) => String(r.year)],
    ["Displaced in the year", cell(results.displaced_workers, workers), { number: true }],
    ["Displaced so far", cell(results.cumulative_displaced_workers, workers), { number: true }],
    ["Not re-employed within a year", cell(results.still_out_workers, workers), { number: true }],
    ["Earnings lost in the year", cell(results.wage_loss_usd, usd), { number: true }],
  ], rows);
}

function costsTable(results, inDesign) {
  const rows = results.years.map((year, k) => ({ year, k }));
  const names = Object.keys(results.programme_cost_usd);
  const funded = new Set(inDesign);
  return table("Programme costs per year (USD): the median, and under it the 5th to 95th percentile; — not in the design", [
    ["Year", (r) => String(r.year)],
    ...names.map((name) => [PROGRAMMES[name] ?? name, (r) => (funded.has(name) ? interval(usd, ...yearly(results.programme_cost_usd[name], r.k)) : MISSING), { number: true }]),
    ["Total", (r) => interval(usd, ...yearly(results.total_cost_usd, r.k)), { number: true }],
  ], rows);
}

function allocationTable(results) {
  const payers = Object.keys(results.allocation_usd);
  const rows = [...results.years.map((year, k) => ({ year: String(year), k })), { year: "Over the horizon", k: null }];
  const amount = (payer) => (r) => usd(r.k === null ? sum(results.allocation_usd[payer]) : results.allocation_usd[payer][r.k]);
  return table("Who bears the median total cost (USD)", [
    ["Year", (r) => r.year],
    ...payers.map((payer) => [`${PAYERS[payer] ?? payer} (${percent(results.allocation_share[payer])})`, amount(payer), { number: true }]),
    ["Total (median)", (r) => usd(r.k === null ? sum(results.total_cost_usd.p50) : results.total_cost_usd.p50[r.k]), { number: true }],
  ], rows);
}

function levyTable(results) {
  const first = results.years[0];
  const shown = results.levy.slice(0, LARGEST_DEPLOYERS);
  const rest = results.levy.slice(LARGEST_DEPLOYERS);
  return [table(`The levy on deployers, by their deployments' labour exposure: the largest ${count(shown.length)} of ${count(results.levy.length)}`, [
    ["Deployer", (l) => l.name],
    ["Deployments", (l) => count(l.deployments), { number: true }],
    ["Exposure weight (deployments × exposure-weighted workers, a relative weight)", (l) => `${number(l.exposure_weight / 1e6, 1)} million`, { number: true }],
    ["Share of the levy", (l) => percent(l.share), { number: true }],
    [`Levy in ${first}`, (l) => usd(l.levy_usd[0]), { number: true }],
    ["Levy over the horizon", (l) => usd(sum(l.levy_usd)), { number: true }],
  ], shown, "No deployment in the registry counts towards the levy."),
  rest.length ? h("p", {}, `The other ${count(rest.length)} deployers bear ${percent(sum(rest.map((l) => l.share)))} of the levy, `
    + `${usd(sum(rest.map((l) => sum(l.levy_usd))))} over the horizon.`) : null];
}

function distributionTable(caption, rows, what) {
  return table(caption, [
    [what, (r) => r.label],
    ["Workers", (r) => workers(r.workers), { number: true }],
    ["Exposure-weighted workers", (r) => workers(r.exposure_weighted_workers), { number: true }],
    ["Displaced (median)", (r) => workers(r.displaced_median_workers), { number: true }],
    ["Earnings lost (median)", (r) => usd(r.wage_loss_median_usd), { number: true }],
    ["Benefits received (median)", (r) => usd(r.benefits_median_usd), { number: true }],
    ["Net loss (median)", (r) => usd(r.net_loss_median_usd), { number: true }],
  ], rows);
}

/** The report, fetched as the visitor and offered as a file. */
function reportLink(api, run) {
  const place = h("span", { id: "labour-report", "aria-busy": "true" }, "Preparing the report…");
  api(`/v1/labour/runs/${encodeURIComponent(run.run_id)}/report`, { as: "blob" })
    .then((blob) => place.replaceChildren(h("a", { href: URL.createObjectURL(blob), download: `labour-run-${run.run_id}.html` },
      "Download the report (HTML)")))
    .catch((error) => place.replaceChildren(`The report could not be fetched: ${error.message}`))
    .finally(() => place.removeAttribute("aria-busy"));
  return place;
}

function runSection(api, run) {
  const results = run.results;
  const horizon = `${results.years[0]} to ${results.years.at(-1)}`;
  const sectors = Object.entries(run.deployments_per_sector).filter(([, n]) => n > 0);
  return h("section", { id: "labour-run", "aria-labelledby": "labour-run-heading", dataset: { run: run.run_id } },
    h("h2", { id: "labour-run-heading" }, `Run: ${run.scenario} with ${run.programmes}`),
    h("p", {}, `${count(run.draws)} ${run.draws === 1 ? "draw" : "draws"}, seed ${run.seed}, ${measureName(run.measure)}; `,
      run.registry ? `adoption driven by the registry's deployments (${sectors.map(([s, n]) => `${s} ${count(n)}`).join(", ") || "none"})` : "adoption as the scenario states, without the registry",
      Object.keys(run.what_if).length ? `, with a what-if (${Object.entries(run.what_if).map(([s, n]) => `${s} ${n > 0 ? "+" : ""}${count(n)}`).join(", ")})` : "",
      `. Filed ${timestamp(run.filed_at)} as `, h("a", { href: `#/ledger?filing=${encodeURIComponent(run.filing_id)}` }, run.filing_id),
      ". ", reportLink(api, run)),
    h("section", { class: "tiles", "aria-label": "The run's headline figures" },
      tile(`Displaced, ${horizon} (median)`, workers(results.horizon_displaced_workers_p50), "labour-run-displaced"),
      tile(`Total cost, ${horizon} (median)`, usd(results.horizon_total_cost_usd_p50), "labour-run-cost"),
      tile(`Still out after a year, ${results.years.at(-1)} (median)`, workers(results.still_out_workers.p50.at(-1)), "labour-run-still-out")),
    h("h3", {}, "Displacement"),
    h("div", { class: "charts" },
      h("figure", { class: "wide", tabindex: "0", "aria-labelledby": "labour-fan-caption" }, chartPlace("labour-fan-chart", fanSpec(results)),
        h("figcaption", { id: "labour-fan-caption" }, "Workers displaced so far, by year: the median line, the shaded band from the 5th to the 95th percentile of the draws."))),
    yearsTable(results),
    h("h3", {}, "Programme costs"),
    h("div", { class: "charts" },
      h("figure", { class: "wide", tabindex: "0", "aria-labelledby": "labour-costs-caption" }, chartPlace("labour-costs-chart", costsSpec(results)),
        h("figcaption", { id: "labour-costs-caption" }, "Each programme's cost per year in USD: the bar its median, the line through it from the 5th to the 95th percentile."))),
    costsTable(results, run.programmes_in_design),
    h("h3", {}, "Who pays"),
    h("p", {}, "The design states how the cost is shared: the general budget, a levy on deployers in proportion to their deployments' labour exposure (each deployment's sector weights times the exposure-weighted workers of the occupation groups that sector employs), and the liability pool."),
    allocationTable(results),
    ...run.notes.map((note) => notice(`Note: ${note}.`)),
    levyTable(results),
    h("h3", {}, "Who loses"),
    h("p", {}, `Over ${horizon}, medians over the draws. Quintiles are of workers ranked by their occupation's mean wage; benefits are unemployment and wage insurance (retraining is a service, not income).`),
    distributionTable("By wage quintile of workers", results.by_quintile, "Wage quintile"),
    h("details", {}, h("summary", {}, "By occupation group"), distributionTable("By occupation group", results.by_group, "Occupation group")));
}

// --- starting a run --------------------------------------------------------------------------

/** The form field a refusal names, from the problem's errors or evidence. */
function refusedField(error, names) {
  const named = [...(error.problem?.errors ?? []).map((e) => String(e.location ?? "").split(".").at(-1)),
    ...Object.keys(error.problem?.evidence ?? {}), String(error.message).split(":")[0]];
  return named.map((name) => name.replace(/_yaml$/, "")).find((name) => names.includes(name));
}

function startForm(api, params, scenarios, designs, measures) {
  const scenario = h("select", { name: "scenario" }, scenarios.map((s) => h("option", { value: s.name }, s.name)));
  const programmes = h("select", { name: "programmes" }, designs.map((d) => h("option", { value: d.name }, d.name)));
  const measure = h("select", { name: "measure" }, measures.map((value) =>
    h("option", { value, selected: value === DEFAULT_MEASURE }, measureName(value))));
  const draws = h("input", { name: "draws", type: "number", inputmode: "numeric", min: 1, max: MOST_DRAWS, step: 1, value: DEFAULT_DRAWS });
  const seed = h("input", { name: "seed", type: "number", inputmode: "numeric", min: 0, step: 1, value: 0 });
  const registry = h("input", { name: "registry", type: "checkbox", checked: true });
  const about = h("p", { class: "subject-kind", id: "labour-scenario-about" });
  const describe = () => {
    const chosen = scenarios.find((s) => s.name === scenario.value);
    about.textContent = chosen ? `${chosen.description} Years ${chosen.years[0]} to ${chosen.years.at(-1)}; `
      + (chosen.registry_linked ? "the registry's deployments can drive adoption." : "adoption does not depend on the registry.") : "";
  };
  scenario.addEventListener("change", describe);
  describe();
  const fields = {
    scenario: field("Scenario", scenario),
    programmes: field("Programme design", programmes),
    measure: field("Measure", measure),
    draws: field("Draws", draws, `1 to ${count(MOST_DRAWS)}`),
    seed: field("Seed", seed, "A whole number, 0 or more: the same seed gives the same run"),
    registry: field("Drive adoption by the registry's deployments", registry),
  };
  const formError = h("div", { id: "labour-run-error" });
  const button = h("button", { type: "submit" }, "Start the run");
  const whole = (input, low, high) => /^\d+$/.test(input.value.trim()) && Number(input.value) >= low && Number(input.value) <= high;
  const form = h("form", { class: "filters", id: "labour-start", "aria-label": "Start a labour run", novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    Object.values(fields).forEach((f) => f.showError(""));
    formError.replaceChildren();
    if (!whole(draws, 1, MOST_DRAWS)) {
      fields.draws.showError(`A whole number of draws from 1 to ${count(MOST_DRAWS)}.`);
      draws.focus();
      return;
    }
    if (!whole(seed, 0, Number.MAX_SAFE_INTEGER)) {
      fields.seed.showError("A whole number, 0 or more.");
      seed.focus();
      return;
    }
    button.disabled = true;
    form.setAttribute("aria-busy", "true");
    try {
      const run = await api("/v1/labour/runs", { method: "POST", body: { scenario: scenario.value, programmes: programmes.value,
        measure: measure.value, draws: Number(draws.value), seed: Number(seed.value), registry: registry.checked } });
      location.hash = link(params, { run: run.run_id });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      const name = refusedField(error, Object.keys(fields));
      if (name) {
        fields[name].showError(error.message);
        form.elements[name].focus();
      } else formError.replaceChildren(notice(error.message, "bad"));
    } finally {
      button.disabled = false;
      form.removeAttribute("aria-busy");
    }
  } }, fields.scenario, fields.programmes, fields.measure, fields.draws, fields.seed, fields.registry, button);
  return [about, form, formError];
}

// --- the page --------------------------------------------------------------------------------

export async function labourPage({ api, params, visitor }) {
  const starts = visitor.permissions.includes(START);
  const [measures, runs, found] = await Promise.all([
    parameterChoices(api, "/v1/labour/exposure", "measure").then((choices) => choices.filter(Boolean)),
    api("/v1/labour/runs"),
    api("/v1/labour/headline"),
  ]);
  const measure = measures.includes(params.get("measure")) ? params.get("measure") : DEFAULT_MEASURE;
  const chosen = params.get("run") ?? runs[0]?.run_id ?? null;
  const [view, run, scenarios, designs] = await Promise.all([
    api(`/v1/labour/exposure?${new URLSearchParams({ measure, level: "group" })}`),
    chosen ? api(`/v1/labour/runs/${encodeURIComponent(chosen)}`).catch((error) => {
      if (error instanceof ApiError && error.status === 404) return null; // said below, the rest still shown
      throw error;
    }) : Promise.resolve(null),
    starts ? api("/v1/labour/scenarios") : Promise.resolve([]),
    starts ? api("/v1/labour/programmes") : Promise.resolve([]),
  ]);
  return [
    h("h1", {}, "Labour"),
    h("p", {}, "Which US occupations language models reach, how many workers a path of adoption could displace, and what unemployment insurance, wage insurance and retraining would cost. Money is in US dollars, as the BLS wages it rests on; runs are seeded Monte Carlo draws over a scenario's ranges, filed in the log with every input."),
    ...exposureSection(view, params, measures),
    ...headlineSection(found),
    h("h2", { id: "labour-runs" }, "Runs"),
    starts ? [h("h3", {}, "Start a run"), ...startForm(api, params, scenarios, designs, measures)] : null,
    runsTable(runs, params, chosen),
    run ? runSection(api, run) : null,
    chosen && !run ? notice(`There is no labour run ${chosen}: choose one from the list.`, "bad") : null,
  ].flat().filter(Boolean);
}
