// Markets: how concentrated each layer of the AI supply chain is and where it hangs on one firm.
// Concentration over time per market (HHI with its 5th-95th band where firms' sizes are
// estimates, against the U.S. and EU guidelines' levels) with the latest point's largest firms;
// the single points of failure of the dependency network (supervisors); the latest filed
// assessment's linchpins (public, as DORA publishes its critical providers); merger reviews
// (supervisors, and each merging party its own). The API decides what each visitor reads: the
// public sees the compute market built from Epoch AI's estimates and is told which markets rest
// on confidential filings.
import { ApiError } from "../api.js";
import { chartPlace } from "../charts.js";
import { MISSING, count, flop, money, number, percent, timestamp } from "../format.js";
import { label } from "../schema.js";
import { field, h, table, tile } from "../ui.js";

const ANALYSE = "markets:dependencies:analyse";
const LAYERS = [["compute", "Compute"], ["models", "Models"], ["deployments", "Deployments"]];
const LAYER_NAMES = new Map(LAYERS);
const LARGEST = 10;
// The markets' titles by key, as the service names them, for the markets a visitor is only told of.
const BAND_TONES = { presumed_by_concentration: "overdue", presumed_by_share: "overdue", highly_concentrated: "overdue",
  large_merging_party: "overdue", above_indicators: "open", market_above_2000: "open", market_1000_to_2000: "open" };

const present = (value) => value !== null && value !== undefined;

function tone(text, shade, title) {
  return h("span", { class: `badge status-${shade}`, title }, text);
}

function withheld() {
  return h("span", { class: "withheld" }, "withheld");
}

function plural(figure, one, many = `${one}s`) {
  return `${count(figure)} ${figure === 1 ? one : many}`;
}

/** An HHI as a whole number of points: 2,165. */
function hhi(value) {
  return count(value);
}

/** Compute in H100-equivalents, scaled: 5.0 million H100e, 845,052 H100e. */
function h100e(value) {
  if (!present(value)) return MISSING;
  for (const [scale, word] of [[1e9, "billion"], [1e6, "million"]]) {
    if (Math.abs(value) >= scale) {
      return `${(value / scale).toLocaleString("en", { minimumFractionDigits: 1, maximumFractionDigits: 1 })} ${word} H100e`;
    }
  }
  return `${count(value)} H100e`;
}

/** A firm's size in its market's unit. */
function inUnit(value, unit) {
  if (unit === "H100-equivalents") return h100e(value);
  if (unit === "FLOP") return flop(value);
  if (unit === "EUR") return money(value, "EUR");
  const singular = unit.endsWith("s") ? unit.slice(0, -1) : unit;
  return plural(value, singular, unit);
}

/** A band with its reason and citation on hover. */
function band(view) {
  return tone(`${view.jurisdiction}: ${view.label}`, BAND_TONES[view.key] ?? "granted", `${view.reason} (${view.citation})`);
}


// --- concentration --------------------------------------------------------------------------

/** The chart of a market's HHI over its points, its 5th-95th band where given, and the
 * guidelines' levels as dashed lines. */
function concentrationSpec(market, levels) {
  const values = market.points.map((p) => {
    const interval = p.indices.intervals?.hhi;
    return {
      as_of: p.as_of,
      hhi: p.indices.hhi,
      low: interval?.low ?? p.indices.hhi,
      high: interval?.high ?? p.indices.hhi,
      figure: hhi(p.indices.hhi),
      interval: interval ? `${hhi(interval.low)} to ${hhi(interval.high)}` : "none (sizes are counted, not estimated)",
      firms: count(p.firms),
    };
  });
  const banded = market.points.some((p) => p.indices.intervals?.hhi);
  const top = Math.min(10000, Math.max(2300, ...values.map((v) => v.high)) * 1.1);
  const x = { field: "as_of", type: "temporal", title: "As of", axis: { format: "%Y-%m", labelAngle: 0 } };
  const y = { type: "quantitative", title: "HHI (0 to 10,000)", scale: { domain: [0, top] } };
  const tooltip = [{ field: "as_of", type: "temporal", title: "As of", format: "%Y-%m-%d" },
    { field: "figure", title: "HHI" }, { field: "interval", title: "5th to 95th percentile" }, { field: "firms", title: "Firms" }];
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    description: `${market.title}: the HHI at ${market.points.length} points${banded ? " with its 5th to 95th percentile band" : ""}, against the U.S. level of 1,800 and the EU levels of 1,000 and 2,000.`,
    config: { font: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", view: { stroke: null },
      axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 600, labelColor: "#1b1b1b", titleColor: "#1b1b1b" } },
    width: "container",
    height: 220,
    autosize: { type: "fit-x", contains: "padding" },
    layer: [
      ...(banded ? [{ data: { values }, mark: { type: "area", color: "#1d4f91", opacity: 0.2 },
        encoding: { x, y: { ...y, field: "low" }, y2: { field: "high" }, tooltip } }] : []),
      { data: { values }, mark: { type: "line", color: "#1d4f91", point: { filled: true, size: 50 } },
        encoding: { x, y: { ...y, field: "hhi" }, tooltip } },
      { data: { values: levels }, mark: { type: "rule", strokeDash: [6, 4], color: "#8a4b00" },
        encoding: { y: { ...y, field: "hhi" }, tooltip: [{ field: "label", title: "Level" }, { field: "citation", title: "Source" }] } },
      { data: { values: levels.filter((level) => level.label.startsWith("EU")) },
        mark: { type: "text", align: "left", dx: 4, dy: -6, color: "#4a4a4a", fontSize: 10 },
        encoding: { y: { ...y, field: "hhi" }, x: { value: 0 }, text: { field: "label" } } },
      { data: { values: levels.filter((level) => level.label.startsWith("US")) },
        mark: { type: "text", align: "right", dx: -4, dy: 10, color: "#4a4a4a", fontSize: 10 },
        encoding: { y: { ...y, field: "hhi" }, x: { value: "width" }, text: { field: "label" } } },
    ],
  };
}

function chart(market, index, levels) {
  const place = chartPlace(`market-chart-${index}`, concentrationSpec(market, levels));
  return h("figure", { class: "wide", tabindex: "0" }, place,
    h("figcaption", {}, `${market.title}: the HHI at each point`,
      market.points.some((p) => p.indices.intervals?.hhi) ? ", the shaded band its 5th to 95th percentile" : "",
      "; dashed, the levels of the U.S. (1,800) and EU (1,000 and 2,000) guidelines."));
}

/** An index with its 5th-95th interval, on a line of its own, where the sizes are estimates. */
function withInterval(indices, name, show) {
  const interval = indices.intervals?.[name];
  if (!interval) return show(indices[name]);
  return h("span", {}, show(indices[name]), h("small", { class: "interval" }, `5th to 95th: ${show(interval.low)} to ${show(interval.high)}`));
}

function indicesTiles(point, index) {
  const i = point.indices;
  const firms = (value) => number(value, 1);
  return h("section", { class: "tiles", "aria-label": "Indices at the latest point" },
    tile("HHI", withInterval(i, "hhi", hhi), `market-${index}-hhi`),
    tile("CR1", withInterval(i, "cr1", percent), `market-${index}-cr1`),
    tile("CR3", withInterval(i, "cr3", percent), `market-${index}-cr3`),
    tile("CR5", withInterval(i, "cr5", percent), `market-${index}-cr5`),
    tile("Equivalent firms", withInterval(i, "equivalent_firms", firms), `market-${index}-equivalent`));
}

function firmsTable(market, point) {
  const shown = point.shares.slice(0, LARGEST);
  const ranged = shown.some((s) => present(s.low) && present(s.high));
  const counted = market.counted ?? "firm";
  return table(`${market.title}: the largest ${counted}s on ${point.as_of} (${count(shown.length)} of ${count(point.shares.length)})`, [
    [counted === "model" ? "Model" : "Firm", (s) => h("span", {}, s.name, s.aggregate && !/aggregate/i.test(s.name) ? h("small", { class: "subject-kind" }, " (aggregate of many firms)") : null)],
    ["Share", (s) => percent(s.share), { number: true }],
    [`Size (${market.unit})`, (s) => inUnit(s.size, market.unit), { number: true }],
    ...(ranged ? [["5th to 95th percentile", (s) => (present(s.low) ? `${inUnit(s.low, market.unit)} to ${inUnit(s.high, market.unit)}` : MISSING), { number: true }]] : []),
  ], shown, "No firm has a share at this point.");
}

function marketSection(market, index, levels) {
  const latest = market.points.at(-1);
  const scope = [market.sector ? `sector ${label(market.sector)}` : null, market.jurisdiction ? `jurisdiction ${market.jurisdiction}` : null].filter(Boolean);
  return h("section", { class: "market", "aria-labelledby": `market-${index}`, dataset: { market: market.key } },
    h("h3", { id: `market-${index}` }, market.title),
    h("p", { class: "market-terms" }, `Sizes in ${market.unit}; source: ${market.source}`, scope.length ? `; ${scope.join(", ")}` : "", "."),
    latest ? [
      h("p", { class: "bands" }, `Latest point, ${latest.as_of}: `, band(latest.indices.us), " ", band(latest.indices.eu),
        latest.indices.fringe_share ? ` Aggregates of many small firms hold ${percent(latest.indices.fringe_share)}.` : ""),
      indicesTiles(latest, index),
      h("section", { class: "charts", "aria-label": `Chart of ${market.title}` }, chart(market, index, levels)),
      firmsTable(market, latest),
    ] : h("p", {}, "No point yet: nothing in this market is counted up to this day."),
    market.notes?.length ? h("ul", { class: "notes" }, market.notes.map((note) => h("li", {}, note))) : null);
}

function layerSwitcher(params, supervisor, sectors) {
  if (!supervisor) return [];
  const chosen = params.get("layer") ?? "compute";
  const link = (layer) => {
    const query = new URLSearchParams(params);
    query.set("layer", layer);
    return `#/markets?${query}`;
  };
  const sector = h("select", { name: "sector" }, sectors.map((value) =>
    h("option", { value, selected: value === (params.get("sector") ?? "") }, value ? label(value) : "any")));
  const jurisdiction = h("input", { name: "jurisdiction", value: params.get("jurisdiction") ?? "", size: 4, maxlength: 10 });
  const jurisdictionField = field("Jurisdiction", jurisdiction, "A code such as EU or FR");
  const form = h("form", { class: "filters", "aria-label": "Filter deployment markets", onsubmit: (event) => {
    event.preventDefault();
    const code = jurisdiction.value.trim().toUpperCase();
    if (code && !/^[A-Z]{2,10}$/.test(code)) {
      jurisdictionField.showError("Letters only, such as EU or FR.");
      jurisdiction.focus();
      return;
    }
    jurisdictionField.showError("");
    const query = new URLSearchParams({ layer: chosen });
    if (sector.value) query.set("sector", sector.value);
    if (code) query.set("jurisdiction", code);
    location.hash = `#/markets?${query}`;
  } }, field("Sector", sector), jurisdictionField, h("button", { type: "submit" }, "Filter"));
  return [
    h("nav", { class: "layers", "aria-label": "Layers" }, h("ul", {}, LAYERS.map(([layer, text]) =>
      h("li", {}, h("a", { href: link(layer), "aria-current": layer === chosen ? "page" : null }, text))))),
    form,
  ];
}

function concentration(view, params, supervisor, sectors) {
  const layer = supervisor ? params.get("layer") ?? "compute" : "compute";
  return [
    h("h2", { id: "concentration" }, "Concentration over time"),
    h("p", {}, "The Herfindahl-Hirschman Index (HHI) sums the squared shares in percent, from near 0 (many small firms) to 10,000 (one firm). ",
      "The U.S. 2023 Merger Guidelines call a market with an HHI above 1,800 highly concentrated; the EU horizontal merger guidelines see concerns as unlikely below 1,000 and look closer above 2,000. ",
      "CR1, CR3 and CR5 are the shares of the one, three and five largest firms; the equivalent number of firms is how many equal firms would give the same HHI."),
    ...layerSwitcher(params, supervisor, sectors),
    view.withheld?.length ? h("p", { class: "notice", id: "markets-withheld" },
      `Shown to supervisors only, as they rest on confidential filings: ${view.withheld.join("; ")}.`) : null,
    ...(view.markets.length ? view.markets.map((market, index) => marketSection(market, index, view.levels))
      : [h("p", {}, `No ${layer} market to show.`)]),
  ];
}

// --- single points of failure (supervisors) ------------------------------------------------

function shareOf(countFigure, share, one) {
  return h("span", {}, plural(countFigure, one), h("br"), h("small", {}, percent(share)));
}

function linchpinFlag(row, found) {
  if (!row.linchpin) return "no";
  const why = `Above ${percent(found.threshold)} of the exposure, the threshold of ${found.threshold_source}`;
  return tone("linchpin", "overdue", why);
}

function providersTable(found) {
  return table(`Providers by the exposure their failure alone cuts off (${count(found.providers.length)})`, [
    ["Provider", (p) => p.name],
    ["Deployments cut off", (p) => shareOf(p.deployments, p.deployment_share, "deployment"), { number: true }],
    ["Institutions cut off", (p) => shareOf(p.institutions, p.institution_share, "institution"), { number: true }],
    ["Exposure cut off", (p) => h("span", {}, money(p.exposure_eur, "EUR"), h("br"), h("small", {}, percent(p.exposure_share))), { number: true }],
    ["Linchpin", (p) => linchpinFlag(p, found)],
  ], found.providers, "No provider is in the dependency network.");
}

function fallbackRow(sector, view) {
  return { sector, ...view };
}

function interoperabilityTable(found) {
  const rows = [fallbackRow(null, found.interoperability),
    ...Object.entries(found.by_sector ?? {}).sort(([a], [b]) => a.localeCompare(b)).map(([sector, view]) => fallbackRow(sector, view))];
  const share = (value) => (present(value) ? percent(value) : MISSING);
  return table("Deployments that could switch provider", [
    ["Sector", (r) => (r.sector ? label(r.sector) : "All sectors")],
    ["Deployments", (r) => count(r.deployments), { number: true }],
    ["On an outside host", (r) => count(r.hosted), { number: true }],
    ["With a fallback host", (r) => `${count(r.host_fallback)} (${share(r.host_share)})`, { number: true }],
    ["With a fallback model", (r) => `${count(r.model_fallback)} (${share(r.model_share)})`, { number: true }],
  ], rows);
}

function counterweightsTable(list) {
  return table(`Counterweights: public-interest and exportable models (${count(list.length)})`, [
    ["Model", (c) => h("a", { href: `#/models/${encodeURIComponent(c.model_id)}` }, c.name)],
    ["Developer", (c) => c.developer],
    ["Public interest", (c) => (c.public_interest ? h("span", {}, tone("public interest", "granted"), c.grounds ? h("div", { class: "grounds" }, c.grounds) : null) : "no")],
    ["Weights", (c) => [c.open_weights ? "open weights" : null, c.escrowed ? "in escrow" : null].filter(Boolean).join(", ") || "neither"],
    ["Deployments", (c) => count(c.deployments), { number: true }],
    ["Fallback for", (c) => plural(c.fallback_for, "deployment"), { number: true }],
  ], list, "No model is of public interest, open weights or in escrow.");
}

function absorptionTable(list) {
  const share = (value) => (present(value) ? percent(value) : MISSING);
  return table("Exportable models and public-interest capacity by sector", [
    ["Sector", (a) => (a.sector ? label(a.sector) : "All sectors")],
    ["Deployments", (a) => count(a.deployments), { number: true }],
    ["Exportable model", (a) => `${count(a.exportable_model)} (${share(a.exportable_share)})`, { number: true }],
    ["Their exposure", (a) => money(a.exposure_eur, "EUR"), { number: true }],
    ["Served or backed by a public-interest model", (a) => share(a.public_interest_capacity), { number: true }],
  ], list ?? []);
}

/** The dominator tree: root, providers, their models, and under each the deployments only it
 * stands above, collapsed to a count until opened. */
function dominatorTree(nodes) {
  const children = new Map();
  const byId = new Map(nodes.map((node) => [node.id, node]));
  for (const node of nodes) {
    const parent = node.parent && byId.has(node.parent) ? node.parent : "root";
    if (!children.has(parent)) children.set(parent, []);
    children.get(parent).push(node);
  }
  const cutsOff = (node) => `cuts off ${plural(node.cuts_off, "deployment")}`;
  const hostedBy = new Map();
  for (const node of nodes) {
    if (node.layer === "deployment" && node.host_parent && byId.has(node.host_parent)) {
      if (!hostedBy.has(node.host_parent)) hostedBy.set(node.host_parent, []);
      hostedBy.get(node.host_parent).push(node);
    }
  }
  const collapsed = (list, where) => (list.length ? h("li", { class: "deployments" }, h("details", {},
    h("summary", {}, `${plural(list.length, "deployment")} ${where(list.length)}`),
    h("ul", {}, list.map((node) => h("li", {}, node.name))))) : null);
  const deploymentsUnder = (id) => collapsed((children.get(id) ?? []).filter((node) => node.layer === "deployment"),
    (n) => (n === 1 ? "depends on it alone" : "depend on it alone"));
  const hostedUnder = (id) => collapsed(hostedBy.get(id) ?? [], (n) => `${n === 1 ? "is" : "are"} hosted by it alone`);
  const branch = (node) => {
    const below = (children.get(node.id) ?? []).filter((child) => child.layer !== "deployment")
      .sort((a, b) => b.cuts_off - a.cuts_off || a.name.localeCompare(b.name));
    const items = [...below.map(branch), deploymentsUnder(node.id), node.layer === "provider" ? hostedUnder(node.id) : null]
      .filter(Boolean);
    return h("li", { dataset: { node: node.layer } }, h("span", { class: "node-name" }, node.name),
      h("span", { class: "subject-kind" }, ` (${node.layer}, ${cutsOff(node)})`), items.length ? h("ul", {}, items) : null);
  };
  const top = (children.get("root") ?? []).filter((node) => node.layer !== "deployment")
    .sort((a, b) => b.cuts_off - a.cuts_off || a.name.localeCompare(b.name));
  return h("ul", { class: "tree", id: "dominator-tree", "aria-label": "Dominator tree" },
    h("li", {}, h("span", { class: "node-name" }, "All deployments"),
      h("ul", {}, top.map(branch), collapsed((children.get("root") ?? []).filter((node) => node.layer === "deployment"),
        (n) => `${n === 1 ? "has" : "have"} no single provider or model above ${n === 1 ? "it" : "them"}: a fallback covers each`))));
}

function dependencies(found) {
  return [
    h("h2", { id: "single-points" }, "Single points of failure"),
    h("p", {}, `What each provider's failure alone would cut off: deployments with no fallback from another provider, the institutions running them and their economic exposure. A provider above ${present(found.threshold) ? percent(found.threshold) : "the threshold"} of the exposure is a linchpin`,
      found.threshold_source ? ` (${found.threshold_source})` : "", `. Computed ${timestamp(found.computed_at)}.`),
    present(found.threshold) ? null : h("p", { class: "notice" }, "No active policy pack sets a linchpin threshold, so nobody is called a linchpin."),
    h("section", { class: "tiles", "aria-label": "The dependency network" },
      tile("Deployments", count(found.deployments), "tile-deployments"),
      tile("Linchpin threshold", present(found.threshold) ? `${percent(found.threshold)} of exposure` : "not set", "tile-threshold"),
      tile("Linchpins", count(found.linchpins.length), "tile-linchpins")),
    providersTable(found),
    h("h3", {}, "Interoperability"),
    interoperabilityTable(found),
    h("h3", {}, "Counterweights"),
    h("p", {}, "Models that could take over others' deployments: designated of public interest (with the grounds), or exportable because their weights are open or in escrow, so a host's failure can be routed around."),
    counterweightsTable(found.counterweights),
    absorptionTable(found.absorption),
    h("h3", {}, "Who dominates whom"),
    h("p", {}, "A node stands above another when every path from the root to it passes through the node: its failure alone cuts the other off. Each deployment sits under the nearest provider or model it cannot do without (open a count to list them)."),
    found.dominators.length ? dominatorTree(found.dominators) : h("p", {}, "The dominator tree is not drawn for a network of this size."),
    found.notes?.length ? h("ul", { class: "notes" }, found.notes.map((note) => h("li", {}, note))) : null,
  ];
}

// --- the latest filed assessment (everyone) -------------------------------------------------

async function latestAssessment(api) {
  try {
    return await api("/v1/markets/assessments/latest");
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

function assessment(found, supervisor) {
  const heading = h("h2", { id: "linchpins" }, "Linchpins on file");
  if (!found) return [heading, h("p", {}, "No dependency assessment has been filed yet. Once a supervisor files one, its linchpins are listed here.")];
  const own = !supervisor && found.providers?.length;
  return [
    heading,
    h("p", {}, `The latest assessment, filed ${timestamp(found.assessed_at)}, of ${plural(found.deployments, "deployment")}: a provider whose failure alone would cut off more than ${percent(found.threshold)} of the exposure (${found.threshold_source}) is a linchpin. The list is public; the figures are each provider's own and the supervisors'.`),
    found.linchpin_names.length
      ? h("ul", { id: "linchpin-list" }, found.linchpin_names.map((name) => h("li", {}, name)))
      : h("p", { id: "linchpin-list" }, "No provider is a linchpin."),
    own ? table("Your organisation in the assessment", [
      ["Provider", (p) => p.name],
      ["Deployments cut off", (p) => shareOf(p.deployments, p.deployment_share, "deployment"), { number: true }],
      ["Institutions cut off", (p) => shareOf(p.institutions, p.institution_share, "institution"), { number: true }],
      ["Exposure cut off", (p) => h("span", {}, money(p.exposure_eur, "EUR"), h("br"), h("small", {}, percent(p.exposure_share))), { number: true }],
      ["Linchpin", (p) => (p.linchpin ? tone("linchpin", "overdue") : "no")],
    ], found.providers) : null,
  ];
}

// --- merger reviews -------------------------------------------------------------------------

function largestChange(review) {
  if (!review.layers?.length) return null;
  return review.layers.reduce((best, change) => (change.delta_hhi > best.delta_hhi ? change : best));
}

function reviews(list, supervisor, visitor) {
  const parties = "Merger reviews are shown to supervisors and to the merging parties.";
  const empty = supervisor ? "No merger has been reviewed yet."
    : visitor.role === "public" ? parties : `No merger review concerns your organisation. ${parties}`;
  return [
    h("h2", { id: "mergers" }, "Merger reviews"),
    table(`Merger reviews, newest first (${count(list.length)})`, [
      ["Merger", (r) => h("a", { href: `#/merger/${encodeURIComponent(r.id)}` }, `${r.acquirer} acquires ${r.target}`)],
      ["Reviewed", (r) => h("span", { class: "nowrap" }, timestamp(r.reviewed_at))],
      ["Largest change in HHI", (r) => {
        const change = largestChange(r);
        return change ? `+${hhi(change.delta_hhi)} in ${change.title}${change.sector ? ` (${label(change.sector)})` : ""}` : withheld();
      }],
      ["Linchpin after", (r) => (present(r.linchpin_after) ? (r.linchpin_after ? tone("linchpin", "overdue") : "no") : withheld())],
      ["Remedies", (r) => (r.remedies?.length ? r.remedies.map((m) => label(m.remedy)).join(", ") : "none")],
    ], list, empty),
  ];
}

export async function marketsPage({ api, params, visitor }) {
  const supervisor = visitor.permissions.includes(ANALYSE);
  const query = new URLSearchParams();
  if (supervisor) {
    query.set("layer", params.get("layer") ?? "compute");
    for (const key of ["sector", "jurisdiction"]) if (params.get(key)) query.set(key, params.get(key));
  } else {
    query.set("layer", "compute");
  }
  const [view, found, filed, reviewList] = await Promise.all([
    api(`/v1/markets/concentration?${query}`),
    supervisor ? api("/v1/markets/dependencies") : Promise.resolve(null),
    latestAssessment(api),
    api("/v1/markets/mergers"),
  ]);
  // The sectors offered are those the network's deployments are in.
  const sectors = found ? ["", ...Object.keys(found.by_sector ?? {}).sort()] : [];
  return [
    h("h1", {}, "Markets"),
    h("p", {}, "How concentrated each layer of the AI supply chain is (compute, models, deployments), and where it hangs on one firm. Times are in UTC."),
    ...concentration(view, params, supervisor, sectors),
    ...assessment(filed, supervisor),
    ...(found ? dependencies(found) : []),
    ...reviews(reviewList, supervisor, visitor),
  ].filter(Boolean);
}

// --- one merger review ----------------------------------------------------------------------

function changesTable(review) {
  return table(`Change in concentration per market (${count(review.layers.length)})`, [
    ["Market", (c) => c.title],
    ["Layer", (c) => LAYER_NAMES.get(c.layer) ?? label(c.layer)],
    ["Sector", (c) => (c.sector ? label(c.sector) : "All sectors")],
    ["HHI before", (c) => hhi(c.pre_hhi), { number: true }],
    ["HHI after", (c) => hhi(c.post_hhi), { number: true }],
    ["Change in HHI", (c) => `+${hhi(c.delta_hhi)}`, { number: true }],
    ["Merged share", (c) => percent(c.merged_share), { number: true }],
    ["U.S. guidelines", (c) => band(c.us)],
    ["EU guidelines", (c) => band(c.eu)],
  ], review.layers, "Neither party has a share in any market measured.");
}

function linchpinChange(review) {
  if (!present(review.linchpin_before)) return h("p", { class: "withheld" }, "The single points of failure are shown to the acquirer and supervisors.");
  const state = (flag, share) => h("span", {}, flag ? tone("linchpin", "overdue") : "not a linchpin", ` (${percent(share)} of exposure)`);
  return h("dl", { class: "facts", id: "linchpin-change" },
    h("dt", {}, "Before"), h("dd", {}, state(review.linchpin_before, review.exposure_share_before)),
    h("dt", {}, "After"), h("dd", {}, state(review.linchpin_after, review.exposure_share_after)),
    h("dt", {}, "New single points of failure"), h("dd", {}, review.new_single_points?.length
      ? h("details", {}, h("summary", {}, `${plural(review.new_single_points.length, "deployment")} the merged firm alone would cut off, neither firm alone did`),
        h("ul", {}, review.new_single_points.map((id) => h("li", {}, h("code", {}, id)))))
      : "none"));
}

function stressChange(stress) {
  if (!stress) return h("p", { class: "withheld" }, "The stress test's change is shown to the acquirer and supervisors.");
  const change = stress.post_expected_shortfall_eur - stress.pre_expected_shortfall_eur;
  const names = (list) => (list?.length ? list.join(", ") : "none");
  return h("dl", { class: "facts", id: "stress-change" },
    h("dt", {}, "Scenario"), h("dd", {}, `${stress.scenario}, ${count(stress.draws)} draws, seed ${stress.seed}`),
    h("dt", {}, `Expected shortfall at ${percent(stress.level)}, before`), h("dd", {}, money(stress.pre_expected_shortfall_eur, "EUR")),
    h("dt", {}, "After"), h("dd", {}, money(stress.post_expected_shortfall_eur, "EUR")),
    h("dt", {}, "Change"), h("dd", {}, `${change >= 0 ? "+" : ""}${money(change, "EUR")}`),
    h("dt", {}, "Uninsurable linchpins before"), h("dd", {}, names(stress.linchpins_before)),
    h("dt", {}, "After"), h("dd", {}, names(stress.linchpins_after)));
}

function remediesTable(list) {
  return table(`Remedies imposed (${count(list.length)})`, [
    ["Remedy", (m) => label(m.remedy)],
    ["Terms", (m) => (present(m.terms) ? h("span", { class: "wrap-anywhere" }, m.terms) : withheld())],
    ["Imposed", (m) => h("span", { class: "nowrap" }, timestamp(m.imposed_at))],
    ["Answered by", (m) => (m.answered_by ? `fallback plan ${m.answered_by}` : "no plan yet")],
  ], list, "No remedy has been imposed.");
}

export async function mergerPage({ api, id }) {
  const review = await api(`/v1/markets/mergers/${encodeURIComponent(id)}`);
  return [
    h("h1", {}, `Merger review: ${review.acquirer} acquires ${review.target}`),
    h("p", {}, `Reviewed ${timestamp(review.reviewed_at)}. `, h("a", { href: "#/markets" }, "All markets and merger reviews")),
    h("h2", {}, "Concentration"),
    h("p", {}, "The change in HHI is twice the product of the parties' shares, in percent, at each market's latest point; each band's reason and source show on hover."),
    review.layers ? changesTable(review) : h("p", { class: "withheld" }, "The change in concentration is shown to the acquirer and supervisors."),
    h("h2", {}, "Single points of failure"),
    linchpinChange(review),
    h("h2", {}, "Stress test"),
    h("p", {}, "The same scenario and seed run on the network as it is, then with the merged firm failing as one unit."),
    stressChange(review.stress),
    h("h2", {}, "Remedies"),
    remediesTable(review.remedies ?? []),
    review.notes?.length ? h("ul", { class: "notes" }, review.notes.map((note) => h("li", {}, note))) : null,
  ].filter(Boolean);
}
