// Provenance: what is known of the data and compute models were trained on, without the data
// leaving its provider. Aggregates published with differential privacy and the budget they
// spend; providers' commitments to their training manifests and the sampling audits of them;
// training-run declarations checked against Epoch's hardware table; reconciliations of declared
// and sold chip-hours. The API decides what each visitor reads: a run's figures reach its
// provider and supervisors only, a reconciliation's figures supervisors only, so this page shows
// a figure where the API sent one and says what is withheld where it did not.
import { chartPlace } from "../charts.js";
import { MISSING, count, flop, number, percent, scientific, timestamp } from "../format.js";
import { label } from "../schema.js";
import { h, table, tile } from "../ui.js";
import { names } from "./names.js";

const SHORT_ROOT = 8;
// Rules of a sample in words, by the API's name of each.
const RULES = { "licence-allowed": "Licence allowed", "opt-out-honoured": "Opt-out honoured", "no-pii": "No personal data" };
const STATISTICS = {
  "training-compute": "Training compute by country and year",
  "dataset-licences": "Committed datasets by licence family",
};
const CELLS = { "public-domain": "Public domain", "non-commercial": "Non-commercial" };
const MECHANISMS = { laplace: "Laplace", gaussian: "Gaussian" };
// Statuses in the colour of what they mean: waiting, late or failed, in order.
const SAMPLE_TONES = { "awaiting reveal": "open", overdue: "overdue", passed: "granted", failed: "failed" };
const RECONCILED_TONES = { consistent: "granted", "no statement": "open", "no declaration": "open" };
const FILE = "provenance:filings:file";

function tone(text, shade) {
  return h("span", { class: `badge status-${shade}` }, text);
}

function when(value) {
  return value ? h("span", { class: "nowrap" }, timestamp(value)) : MISSING;
}

function period(first, last) {
  return h("span", { class: "nowrap" }, `${first} to ${last}`);
}

function modelLink(named, id) {
  return h("a", { href: `#/models/${encodeURIComponent(id)}` }, named.get(id) ?? id);
}

/** An upper bound as a percentage, rounded up to two significant digits so that what is read is
 * still an upper bound: 0.99361% reads 1.0%, never 0.99%. */
function atMost(share) {
  if (share >= 1) return "100%";
  if (share <= 0) return "0%";
  const hundred = share * 100;
  const digits = 1 - Math.floor(Math.log10(hundred));
  const rounded = Math.ceil(Number((hundred * 10 ** digits).toFixed(9))) / 10 ** digits;
  if (rounded >= 100) return "100%";
  // Rounding up may reach the next power of ten (0.994 to 1.0): the digits follow the result.
  return `${rounded.toFixed(Math.max(0, 1 - Math.floor(Math.log10(rounded))))}%`;
}

/** One rule's finding: "No personal data: 0 of 300 violate: at most 1.0% (95% upper bound)". */
function finding(result) {
  return h("li", {}, h("span", { class: "rule" }, RULES[result.rule] ?? label(result.rule)), ": ",
    `${count(result.violations)} of ${count(result.sampled)} violate: at most ${atMost(result.upper_bound)} `,
    `(${percent(result.confidence)} upper bound)`);
}

function findings(audit) {
  return audit ? h("ul", { class: "findings" }, audit.findings.map(finding)) : "not revealed yet";
}

function composition(audit) {
  if (!audit) return MISSING;
  if (audit.composition_plausible === null || audit.composition_plausible === undefined) return "none declared";
  return audit.composition_plausible ? tone("plausible", "granted") : tone("implausible", "failed");
}

function sampleStatus(sample) {
  return tone(sample.status, SAMPLE_TONES[sample.status] ?? "open");
}

/** A root shortened to read; the whole root in its title and copied by its button (where the
 * browser refuses the clipboard, the button shows the whole root to select instead). */
function root(value, dataset) {
  const shown = h("code", { title: value }, `${value.slice(0, SHORT_ROOT)}…`);
  const copy = h("button", { type: "button", class: "secondary", "aria-label": `Copy the root of ${dataset}`, onclick: async () => {
    try {
      await navigator.clipboard.writeText(value);
      copy.textContent = "Copied";
    } catch {
      shown.textContent = value;
      shown.classList.add("wrap-anywhere");
    }
  } }, "Copy");
  return h("span", {}, shown, " ", copy);
}

// --- private aggregates -----------------------------------------------------------------------

/** A figure of a release in its unit: training compute as a power of ten, others plainly. */
function inUnit(value, unit) {
  if (unit === "FLOP") return flop(value);
  const text = number(value, 2);
  return `${text} ${text === "1" && unit.endsWith("s") ? unit.slice(0, -1) : unit}`;
}

function cellName(cell) {
  return CELLS[cell] ?? (/^[a-z-]+$/.test(cell) ? label(cell) : cell);
}

function budget(found) {
  const set = found.epsilon !== undefined;
  const delta = set && found.delta > 0;
  return h("section", { class: "tiles", "aria-label": "Privacy budget" },
    tile("Epsilon set", set ? number(found.epsilon, 3) : "not set", "tile-epsilon"),
    tile("Epsilon spent", number(found.epsilon_spent, 3), "tile-epsilon-spent"),
    tile("Epsilon remaining", set ? number(found.epsilon_remaining, 3) : MISSING, "tile-epsilon-remaining"),
    delta ? tile("Delta set", scientific(found.delta), "tile-delta") : null,
    delta ? tile("Delta remaining", scientific(found.delta_remaining), "tile-delta-remaining") : null,
    tile("Releases", count(found.releases), "tile-releases"));
}

/** A release's cells as horizontal bars with their 95% error as a line across each bar's end. */
function releaseSpec(release, title) {
  const values = release.cells.map((cell) => ({
    cell: cellName(cell.cell),
    value: cell.value,
    low: cell.value - cell.error_95,
    high: cell.value + cell.error_95,
    figure: inUnit(cell.value, release.unit),
    error: `± ${inUnit(cell.error_95, release.unit)}`,
  }));
  const y = { field: "cell", type: "nominal", sort: null, title: null };
  const tooltip = [{ field: "cell", title: "Cell" }, { field: "figure", title: "Figure" }, { field: "error", title: "95% error" }];
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    description: `${title}: ${release.cells.length} noisy figures in ${release.unit}, each with its 95% error bar.`,
    config: { font: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", view: { stroke: null },
      axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 600 } },
    width: "container",
    height: { step: 26 },
    autosize: { type: "fit-x", contains: "padding" },
    data: { values },
    layer: [
      { mark: { type: "bar", color: "#1d4f91", height: { band: 0.6 } },
        encoding: { y, x: { field: "value", type: "quantitative", title: `Figure (${release.unit})`,
          axis: release.unit === "FLOP" ? { format: ".1e" } : {} }, tooltip } },
      { mark: { type: "rule", color: "#1b1b1b", strokeWidth: 1.5 },
        encoding: { y, x: { field: "low", type: "quantitative" }, x2: { field: "high" }, tooltip } },
    ],
  };
}

/** The chart's place, drawn once it is on the page (a chart as wide as its container needs the
 * container laid out). */
function chart(release, title, index) {
  const place = chartPlace(`release-chart-${index}`, releaseSpec(release, title));
  return h("figure", { class: "wide", tabindex: "0" }, place,
    h("figcaption", {}, `${title}: each bar is a noisy figure, the line across its end its 95% error.`));
}

function releaseSection(release, index) {
  const title = STATISTICS[release.statistic] ?? label(release.statistic);
  const norm = release.mechanism === "gaussian" ? "L2" : "L1";
  return h("section", { class: "release", "aria-labelledby": `release-${index}` },
    h("h3", { id: `release-${index}` }, `${title}, published ${timestamp(release.published_at)}`),
    h("p", { class: "release-terms" },
      `${MECHANISMS[release.mechanism] ?? label(release.mechanism)} noise at epsilon ${number(release.epsilon, 3)} `,
      `and delta ${scientific(release.delta)}; each provider's contribution clipped to ${inUnit(release.bound, release.unit)} `,
      `(${norm} norm), noise scale ${number(release.scale, 3)}.`),
    h("section", { class: "charts", "aria-label": `Chart of ${title}` }, chart(release, title, index)),
    table(`${title}: noisy figures with their 95% error (${count(release.cells.length)})`, [
      ["Cell", (c) => cellName(c.cell)],
      [`Figure (${release.unit})`, (c) => inUnit(c.value, release.unit), { number: true }],
      ["95% error", (c) => `± ${inUnit(c.error_95, release.unit)}`, { number: true }],
    ], release.cells, "This release has no cell."));
}

function aggregates(found, releases) {
  return [
    h("h2", {}, "Private aggregates"),
    h("p", {}, "Supervisors publish figures about all providers together with differential privacy: noise from OpenDP hides any one provider's part, and every release spends from the privacy budget, which only grows smaller."),
    budget(found),
    ...(releases.length ? releases.map(releaseSection)
      : [h("p", {}, "No aggregate has been published yet. A release appears here with its noisy figures, their errors and the budget it spent.")]),
  ];
}

// --- commitments and their sampling audits ------------------------------------------------------

function commitmentsTable(list, named) {
  return table(`Dataset commitments, newest first (${count(list.length)})`, [
    ["Model", (c) => modelLink(named, c.model_id)],
    ["Dataset", (c) => c.dataset],
    ["Records", (c) => count(c.record_count), { number: true }],
    ["Root", (c) => root(c.root, c.dataset)],
    ["Committed", (c) => when(c.committed_at)],
    ["Samples", (c) => count(c.samples.length), { number: true }],
  ], list, "No dataset commitment is filed yet. Once a provider commits to a training manifest, it appears here with its root and record count.");
}

function samplesTable(list, named, organisations) {
  const rows = list.flatMap((commitment) => commitment.samples.map((sample) => ({ commitment, sample })))
    .sort((a, b) => Date.parse(b.sample.requested_at) - Date.parse(a.sample.requested_at));
  if (!rows.length) return [];
  return [
    h("h3", {}, "Sampling audits"),
    table(`Samples asked for, newest first (${count(rows.length)})`, [
      ["Dataset", ({ commitment }) => h("span", {}, modelLink(named, commitment.model_id), `: ${commitment.dataset}`)],
      ["Asked by", ({ sample }) => (sample.auditor_id ? organisations.get(sample.auditor_id) ?? sample.auditor_id : "Supervisor")],
      ["Requested", ({ sample }) => when(sample.requested_at)],
      ["Records", ({ sample }) => count(sample.sample_size), { number: true }],
      ["Due", ({ sample }) => h("span", { class: "nowrap" }, sample.due_on)],
      ["Status", ({ sample }) => sampleStatus(sample)],
      ["Findings", ({ sample }) => findings(sample.audit)],
      ["Composition", ({ sample }) => composition(sample.audit)],
    ], rows),
  ];
}

function commitments(list, named, organisations) {
  return [
    h("h2", {}, "Dataset commitments"),
    h("p", {}, "A provider commits to its training manifest as a Merkle tree of salted record hashes; the manifest stays with it. A sample's records are drawn from a log checkpoint signed after the commitment, revealed with their proofs, and checked against each rule: the bound says how many violations the whole dataset could hold, at 95% confidence."),
    commitmentsTable(list, named),
    ...samplesTable(list, named, organisations),
  ];
}

// --- training runs ------------------------------------------------------------------------------

function hardware(run) {
  return h("span", {}, run.chips.map((chip, k) => [k ? h("br") : null,
    `${count(chip.quantity)} × ${chip.chip}, ${count(chip.chip_hours)} chip-hours`]),
  [run.data_centre, run.cloud_vendor].some(Boolean)
    ? h("div", {}, h("small", {}, [run.data_centre, run.cloud_vendor].filter(Boolean).join(", "))) : null);
}

function verdict(found) {
  if (found.plausible === null || found.plausible === undefined) return tone("no compute declared to compare", "open");
  return found.plausible ? tone("plausible", "granted") : tone("implausible", "failed");
}

function implied(found) {
  return h("span", {}, flop(found.implied_flop), h("div", {},
    h("small", { class: "nowrap" }, `plausible ${scientific(found.lower)} to ${flop(found.upper)}`)));
}

function plausibilityCell(run) {
  const found = run.plausibility;
  return h("div", {}, verdict(found), found.reasons.length
    ? h("ul", { class: "reasons" }, found.reasons.map((reason) => h("li", {}, reason))) : null);
}

/** A run's figures where the API sent them; "withheld" in each figure's column where it did not. */
function shownOr(cell) {
  return (run) => (run.plausibility ? cell(run) : h("span", { class: "withheld" }, "withheld"));
}

function runsTable(list, named, caption) {
  const figures = list.some((run) => run.plausibility);
  return table(caption, [
    ["Model", (r) => modelLink(named, r.model_id)],
    ["Declared", (r) => when(r.declared_at)],
    ...(figures ? [
      ["Hardware", shownOr(hardware)],
      ["Period", shownOr((r) => period(r.started_on, r.ended_on))],
      ["Precision", shownOr((r) => `${r.precision}, ${percent(r.utilisation)} utilisation`)],
      ["Implied compute", shownOr((r) => implied(r.plausibility))],
      ["Passport's compute", shownOr((r) => (r.plausibility.declared_flop ? flop(r.plausibility.declared_flop) : "none stated"))],
      ["Plausibility", shownOr(plausibilityCell)],
    ] : []),
  ], list, "No training run is declared yet. A declaration appears here once its provider files it.");
}

function runs(list, named) {
  const withheld = list.some((run) => !run.plausibility);
  return [
    h("h2", {}, "Training runs"),
    h("p", {}, "A provider declares each training run's chips, chip-hours, dates, precision and utilisation. The compute they imply, with Epoch AI's hardware table, is set beside the compute the model's passport states."),
    withheld ? h("p", { class: "withheld", id: "runs-withheld" },
      "A run's hardware, figures and plausibility are shown to its provider and supervisors only; here you see that it was declared.") : null,
    runsTable(list, named, `Training runs declared, newest first (${count(list.length)})`),
  ];
}

// --- reconciliations ----------------------------------------------------------------------------

function gap(share) {
  if (share === undefined || share === null) return MISSING;
  return share > 0 ? `+${percent(share)}` : percent(share);
}

function reconciliations(list, organisations) {
  const figures = list.some((r) => r.declared_chip_hours !== undefined);
  const name = (id) => organisations.get(id) ?? id;
  return [
    h("h2", {}, "Reconciliations"),
    h("p", {}, "A supervisor sets the chip-hours a developer declared on a cloud vendor beside those the vendor states it sold in the same period. The two parties see whether the figures agree; the figures are for supervisors."),
    table(`Reconciliations, newest first (${count(list.length)})`, [
      ["Developer", (r) => name(r.customer_id)],
      ["Compute vendor", (r) => name(r.vendor_id)],
      ["Period", (r) => period(r.period_start, r.period_end)],
      ["Tolerance", (r) => percent(r.tolerance), { number: true }],
      ["Status", (r) => (r.status ? tone(r.status, RECONCILED_TONES[r.status] ?? "failed") : MISSING)],
      ...(figures ? [
        ["Declared chip-hours", (r) => count(r.declared_chip_hours), { number: true }],
        ["Sold chip-hours", (r) => count(r.sold_chip_hours), { number: true }],
        ["Gap", (r) => gap(r.relative_gap), { number: true }],
      ] : []),
      ["Reconciled", (r) => when(r.reconciled_at)],
    ], list, "No reconciliation yet. Once a supervisor reconciles a developer's declared compute with a vendor's statement, its status appears here."),
  ];
}

const newest = (key) => (a, b) => Date.parse(b[key]) - Date.parse(a[key]);

export async function provenancePage({ api, visitor }) {
  const parties = visitor.permissions.includes(FILE);
  const [found, releaseList, commitmentList, runList, reconciliationList] = await Promise.all([
    api("/v1/provenance/budget"), api("/v1/provenance/releases"), api("/v1/provenance/commitments"),
    api("/v1/provenance/runs"), parties ? api("/v1/provenance/reconciliations") : Promise.resolve(null)]);
  commitmentList.sort(newest("committed_at"));
  runList.sort(newest("declared_at"));
  reconciliationList?.sort(newest("reconciled_at"));
  const [named, organisations] = await Promise.all([
    names(api, "models", [...commitmentList.map((c) => c.model_id), ...runList.map((r) => r.model_id)]),
    names(api, "organisations", [
      ...commitmentList.flatMap((c) => c.samples.map((s) => s.auditor_id)),
      ...(reconciliationList ?? []).flatMap((r) => [r.customer_id, r.vendor_id]),
    ]),
  ]);
  return [
    h("h1", {}, "Provenance"),
    h("p", {}, "What is known of the data and compute models were trained on, checked without the data leaving its provider. Times are in UTC."),
    ...aggregates(found, releaseList),
    ...commitments(commitmentList, named, organisations),
    ...runs(runList, named),
    ...(reconciliationList ? reconciliations(reconciliationList, organisations) : []),
  ].filter(Boolean);
}

// --- the passport page's section ----------------------------------------------------------------

/** The newest audit of a commitment's samples; null before any sample is revealed. */
function latestAudit(commitment) {
  const audits = commitment.samples.map((s) => s.audit).filter(Boolean).sort(newest("audited_at"));
  return audits[0] ?? null;
}

function latestOutcome(commitment) {
  const audit = latestAudit(commitment);
  const late = commitment.samples.filter((s) => s.status === "overdue").length;
  return h("span", {},
    audit ? [tone(audit.outcome === "pass" ? "passed" : "failed", audit.outcome === "pass" ? "granted" : "failed"), " ", when(audit.audited_at)]
      : "not audited yet",
    late ? h("div", {}, tone(`${count(late)} sample${late === 1 ? "" : "s"} overdue`, "overdue")) : null);
}

/** A model's commitments with their latest audit and its bound per rule, and its runs'
 * plausibility, from GET /v1/provenance/models/{id}: the section of the passport page. */
export async function provenanceOf(api, id) {
  const found = await api(`/v1/provenance/models/${encodeURIComponent(id)}`);
  const heading = h("h2", { id: "provenance" }, "Data and compute provenance");
  if (!found.commitments.length && !found.runs.length) {
    return [heading, h("p", {}, "No dataset commitment or training run is filed for this model.")];
  }
  const commitmentList = [...found.commitments].sort(newest("committed_at"));
  const runList = [...found.runs].sort(newest("declared_at"));
  const figures = runList.some((run) => run.plausibility);
  return [
    heading,
    table(`Dataset commitments of this model (${count(commitmentList.length)})`, [
      ["Dataset", (c) => c.dataset],
      ["Records", (c) => count(c.record_count), { number: true }],
      ["Root", (c) => root(c.root, c.dataset)],
      ["Latest audit", latestOutcome],
      ["Findings", (c) => findings(latestAudit(c))],
      ["Composition", (c) => composition(latestAudit(c))],
    ], commitmentList, "No dataset commitment is filed for this model."),
    table(`Training runs declared for this model (${count(runList.length)})`, [
      ["Declared", (r) => when(r.declared_at)],
      ...(figures ? [
        ["Implied compute", shownOr((r) => implied(r.plausibility))],
        ["Plausibility", shownOr((r) => verdict(r.plausibility))],
      ] : []),
    ], runList, "No training run is declared for this model."),
    figures ? null : (runList.length ? h("p", { class: "withheld" }, "A run's figures and plausibility are shown to its provider and supervisors only.") : null),
    h("p", {}, h("a", { href: "#/provenance" }, "All provenance audits and private aggregates")),
  ];
}
