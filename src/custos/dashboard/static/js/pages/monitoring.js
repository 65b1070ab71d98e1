// Monitoring: deployments watched live. Supervisors see the system across firms (exposure
// affected by host, provider and model, the groups degrading together and how likely that is by
// coincidence), a firm its own deployments; each deployment's figures over the last day; the
// alerts, newest first. The page polls while it is shown, so a supervisor watching an outage sees
// it spread without reloading. The public reads only what is published: the daily summaries and
// the detector's thresholds.
import { chartPlace } from "../charts.js";
import { MISSING, count, money, percent, scientific, seconds, timestamp } from "../format.js";
import { failure, h, table, tile } from "../ui.js";

const READ = "monitoring:series:read";
const EVERY_MS = 2000;
const ALERTS = 50;
// The figures drawn for a chosen deployment, with how each reads.
const CHARTS = ["availability", "error_rate", "latency_p95", "volume"];
const FIGURES = {
  availability: "Availability",
  error_rate: "Error rate",
  latency_p50: "Latency, median",
  latency_p95: "Latency, 95th percentile",
  latency_p99: "Latency, 99th percentile",
  override_rate: "Human override rate",
  refusal_rate: "Refusal rate",
  volume: "Requests a minute",
};
const RESOLUTIONS = { raw: "each point", hour: "hourly means", day: "daily means" };
const GROUPS = { host: "Host", model: "Model", version: "Model version", sector: "Sector" };
const CONFIG = { font: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 600, labelColor: "#1b1b1b", titleColor: "#1b1b1b" } };

const eur = (amount) => money(amount, "EUR");

/** A figure's value in its unit: 99.8%, 0.42 s, 1,204 requests. */
function inUnit(value, unit) {
  if (value === null || value === undefined) return MISSING;
  if (unit === "1") return percent(value);
  if (unit === "s") return seconds(value);
  return `${count(value)} ${unit === "{request}" ? "requests" : unit}`;
}

function degradedBadge(degraded) {
  return degraded ? h("span", { class: "badge status-overdue" }, "degraded") : h("span", { class: "badge status-discharged" }, "normal");
}

/** The clock time of the browser, for "updated 14:03:22". */
function clockTime(moment) {
  return moment.toLocaleTimeString("en-GB", { hour12: false });
}

// --- the system now --------------------------------------------------------------------------

/** Exposure watched and affected per host, provider or model, as horizontal bars. */
function affectedSpec(rows, what) {
  const values = rows.map((row) => ({ name: row.name, exposure: row.exposure_eur, affected: row.affected_eur,
    shownExposure: eur(row.exposure_eur), shownAffected: eur(row.affected_eur),
    deployments: `${count(row.degraded)} of ${count(row.deployments)} degraded` }));
  const y = { field: "name", type: "nominal", title: null, sort: null };
  const tooltip = [{ field: "name", title: what }, { field: "shownAffected", title: "Affected" },
    { field: "shownExposure", title: "Watched" }, { field: "deployments", title: "Deployments" }];
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    description: `Exposure affected by ${what.toLowerCase()}: ${values.map((v) => `${v.name} ${v.shownAffected} of ${v.shownExposure}`).join("; ")}.`,
    config: CONFIG,
    width: "container",
    height: { step: 22 },
    autosize: { type: "fit-x", contains: "padding" },
    data: { values },
    encoding: { y, tooltip },
    layer: [
      { mark: { type: "bar", color: "#c8c8c8" }, encoding: { x: { field: "exposure", type: "quantitative", title: "Exposure (EUR): watched in grey, affected in red", axis: { format: "~s", tickCount: 5 } } } },
      { mark: { type: "bar", color: "#a4161a" }, encoding: { x: { field: "affected", type: "quantitative", axis: null } } },
    ],
  };
}

function affectedTable(rows, what) {
  return table(`Exposure affected by ${what.toLowerCase()}`, [
    [what, (row) => row.name],
    ["Degraded", (row) => `${count(row.degraded)} of ${count(row.deployments)}`, { number: true }],
    ["Affected", (row) => eur(row.affected_eur), { number: true }],
    ["Watched", (row) => eur(row.exposure_eur), { number: true }],
  ], rows);
}

/** A chart of exposure affected, with the same figures as a table for those who do not see it. */
function affectedFigure(id, rows, what) {
  if (!rows.length) return null;
  return h("figure", { class: "wide", tabindex: "0", "aria-labelledby": `${id}-caption` },
    chartPlace(id, affectedSpec(rows, what)),
    h("figcaption", { id: `${id}-caption` }, `Exposure affected by ${what.toLowerCase()}, largest first.`),
    h("details", {}, h("summary", {}, "The figures as a table"), affectedTable(rows, what)));
}

function groupsTable(groups) {
  return table(`Groups degrading together (${count(groups.length)})`, [
    ["Shared", (g) => GROUPS[g.group_by] ?? g.group_by],
    ["Name", (g) => g.name],
    ["Degraded", (g) => `${count(g.degraded)} of ${count(g.watched)}`, { number: true }],
    ["Institutions", (g) => count(g.institutions), { number: true }],
    ["Exposure", (g) => eur(g.exposure_eur), { number: true }],
    ["Chance by coincidence", (g) => scientific(g.chance), { number: true }],
  ], groups, "No deployments are degrading together.");
}

function systemSection(system, supervisor) {
  return [
    h("section", { class: "tiles", "aria-label": "The system now" },
      tile("Deployments watched", count(system.watched), "monitoring-watched"),
      tile("Degraded", count(system.degraded), "monitoring-degraded"),
      tile("Institutions", count(system.institutions), "monitoring-institutions"),
      tile("Exposure affected", eur(system.affected_eur), "monitoring-affected"),
      tile("Open alerts", count(system.open_alerts), "monitoring-open-alerts"),
      supervisor ? tile("Open systemic alerts", count(system.open_systemic_alerts), "monitoring-open-systemic") : null),
    h("p", {}, `Of ${eur(system.exposure_eur)} of exposure watched; as of ${timestamp(system.as_of)}.`),
    h("div", { class: "charts" },
      affectedFigure("monitoring-by-host", system.by_host, "Host"),
      affectedFigure("monitoring-by-provider", system.by_provider, "Provider"),
      affectedFigure("monitoring-by-model", system.by_model, "Model")),
    supervisor ? [h("h2", {}, "Groups degrading together"),
      h("p", {}, "Deployments that share a host, a model, a model version or a sector and degraded within the same window, with the chance that so many would degrade together if each failed on its own, from their own histories. A systemic alert is raised when that chance is below the threshold in force."),
      groupsTable(system.groups)] : null,
  ];
}

// --- each deployment -------------------------------------------------------------------------

/** One figure over the last day, with the spans its alerts were open shaded. */
function seriesSpec(series, spans) {
  const values = series.points.map((p) => ({ at: p.at, value: p.value, shown: inUnit(p.value, series.unit) }));
  const x = { field: "at", type: "temporal", title: null, axis: { format: "%H:%M", labelAngle: 0 } };
  const title = FIGURES[series.figure] ?? series.figure;
  const y = { field: "value", type: "quantitative", title: null,
    axis: { format: series.unit === "1" ? ".1%" : "~s" }, scale: { zero: false } };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    description: `${title} of the deployment, ${values.length} points from ${timestamp(series.start)} to ${timestamp(series.end)}${spans.length ? `, degraded during ${spans.length} span${spans.length === 1 ? "" : "s"}` : ""}.`,
    config: CONFIG,
    width: "container",
    height: 120,
    autosize: { type: "fit-x", contains: "padding" },
    layer: [
      ...(spans.length ? [{ data: { values: spans }, mark: { type: "rect", color: "#a4161a", opacity: 0.15 },
        encoding: { x: { field: "from", type: "temporal" }, x2: { field: "to" } } }] : []),
      { data: { values }, mark: { type: "line", color: "#1d4f91", strokeWidth: 1.5 },
        encoding: { x, y, tooltip: [{ field: "at", type: "temporal", title: "At (UTC)", format: "%Y-%m-%d %H:%M", formatType: "utc" }, { field: "shown", title }] } },
    ],
  };
}

/** The spans a figure's alerts were open, within the series' span. */
function degradedSpans(alerts, deploymentId, series) {
  return alerts
    .filter((a) => a.kind === "alert" && a.deployment_id === deploymentId && a.figure === series.figure)
    .map((a) => ({ from: a.raised_at, to: a.cleared_at ?? series.end }));
}

async function seriesCharts(api, deployment, alerts) {
  const id = encodeURIComponent(deployment.deployment_id);
  const found = await Promise.all(CHARTS.map((figure) => api(`/v1/monitoring/deployments/${id}/series/${figure}`)));
  return h("div", { class: "charts small" }, found.map((series) => {
    const place = `monitoring-series-${series.figure}`;
    const now = deployment.figures.find((f) => f.figure === series.figure);
    return h("figure", { tabindex: "0", "aria-labelledby": `${place}-caption` },
      series.points.length ? chartPlace(place, seriesSpec(series, degradedSpans(alerts, deployment.deployment_id, series)))
        : h("p", {}, "No points in the last day."),
      h("figcaption", { id: `${place}-caption` }, `${FIGURES[series.figure] ?? series.figure}: now ${inUnit(now?.value, series.unit)}`,
        now?.baseline !== null && now?.baseline !== undefined ? `, baseline ${inUnit(now.baseline, series.unit)}` : "",
        now?.degraded ? `; degraded since ${timestamp(now.since)}` : "",
        ` (${RESOLUTIONS[series.resolution] ?? series.resolution}; shaded: an alert open).`));
  }));
}

function deploymentsTable(deployments, hosts, chosen, choose) {
  const ordered = [...deployments].sort((a, b) => Number(b.degraded) - Number(a.degraded)
    || (b.exposure_eur ?? 0) - (a.exposure_eur ?? 0) || a.name.localeCompare(b.name));
  return table(`Deployments watched (${count(deployments.length)}), degraded first`, [
    ["Deployment", (d) => d.name],
    ["State", (d) => degradedBadge(d.degraded)],
    ["Deployer", (d) => d.deployer_name],
    ["Model", (d) => [d.model_name, d.model_version ? ` (version ${d.model_version})` : ""]],
    ["Host", (d) => hosts.get(d.host_id) ?? d.host_id ?? MISSING],
    ["Exposure", (d) => eur(d.exposure_eur), { number: true }],
    ["Figures degraded", (d) => d.figures.filter((f) => f.degraded).map((f) => FIGURES[f.figure] ?? f.figure).join(", ") || MISSING],
    ["Figures", (d) => h("button", { type: "button", class: "secondary", "aria-pressed": String(d.deployment_id === chosen), dataset: { deployment: d.deployment_id },
      "aria-label": `Show the figures of ${d.name}`, onclick: () => choose(d.deployment_id) }, "Show")],
  ], ordered, "No deployment you may read is watched yet: none has sent telemetry.");
}

// --- alerts ----------------------------------------------------------------------------------

function alertsTable(alerts, names) {
  const about = (a) => (a.kind === "systemic"
    ? `${GROUPS[a.group_by] ?? a.group_by}: ${names.get(a.group) ?? a.group}`
    : names.get(a.deployment_id) ?? a.deployment_id);
  return table(`Alerts, newest first (${count(alerts.length)}${alerts.length >= ALERTS ? `, the latest ${ALERTS}` : ""})`, [
    ["Raised", (a) => h("span", { class: "nowrap" }, timestamp(a.raised_at))],
    ["Cleared", (a) => (a.cleared_at ? h("span", { class: "nowrap" }, timestamp(a.cleared_at)) : h("span", { class: "badge status-open" }, "open"))],
    ["Kind", (a) => (a.kind === "systemic" ? h("span", { class: "badge status-overdue" }, "systemic") : "deployment")],
    ["Group or deployment", about],
    ["Figure", (a) => (a.figure ? FIGURES[a.figure] ?? a.figure : MISSING)],
    ["Deployments", (a) => count(a.deployments), { number: true }],
    ["Exposure", (a) => eur(a.exposure_eur), { number: true }],
    ["Chance", (a) => scientific(a.chance), { number: true }],
    ["Incident", (a) => (a.incident_id ? h("a", { href: `#/incident/${encodeURIComponent(a.incident_id)}` }, a.incident_id) : MISSING)],
  ], alerts, "No alert has been raised.");
}

// --- the live page ---------------------------------------------------------------------------

async function livePage(api, visitor) {
  const supervisor = visitor.role === "supervisor"; // the one role that reads every firm
  const updated = h("p", { id: "monitoring-updated" });
  const system = h("div", { id: "monitoring-system" });
  const deployments = h("div", { id: "monitoring-deployments" });
  const figures = h("div", { id: "monitoring-figures" });
  const alerts = h("div", { id: "monitoring-alerts" });
  const root = h("div", { class: "monitoring" },
    h("h1", {}, "Monitoring"),
    h("p", {}, supervisor
      ? "Every watched deployment as its telemetry arrives, across firms: what is degraded, the exposure it puts at risk, and the deployments degrading together that no single firm can see."
      : "Your organisation's watched deployments as their telemetry arrives: what is degraded and the alerts raised."),
    updated,
    h("h2", {}, "The system now"), system,
    h("h2", {}, "Deployments"), deployments, figures,
    h("h2", {}, "Alert history"), alerts);
  let chosen = null;
  let last = null;
  // What each part shows, so a poll that brings nothing new leaves it (and the focus) alone.
  const shown = new Map();
  const refresh = (place, what, build) => {
    const key = JSON.stringify(what);
    if (shown.get(place) === key) return false;
    shown.set(place, key);
    place.replaceChildren(...[build()].flat(Infinity).filter(Boolean));
    return true;
  };

  const showFigures = async () => {
    const deployment = last.deployments.find((d) => d.deployment_id === chosen);
    if (!deployment) {
      refresh(figures, null, () => []);
      return;
    }
    const what = [chosen, deployment.figures.map((f) => [f.at, f.degraded])];
    if (shown.get(figures) === JSON.stringify(what)) return;
    figures.setAttribute("aria-busy", "true");
    try {
      const charts = await seriesCharts(api, deployment, last.alerts);
      refresh(figures, what, () => [h("h3", {}, `${deployment.name}: the last day`), charts]);
    } catch (error) {
      shown.delete(figures);
      figures.replaceChildren(failure(error));
    } finally {
      figures.removeAttribute("aria-busy");
    }
  };
  const render = () => {
    const { system: now, deployments: found, alerts: raised } = last;
    const hosts = new Map(now.by_host.map((a) => [a.id, a.name]));
    const names = new Map([...hosts, ...now.by_model.map((a) => [a.id, a.name]), ...found.map((d) => [d.deployment_id, d.name])]);
    refresh(system, { ...now, as_of: undefined }, () => systemSection(now, supervisor));
    refresh(deployments, [found, chosen, [...hosts]], () => deploymentsTable(found, hosts, chosen, choose));
    refresh(alerts, [raised, [...names]], () => alertsTable(raised, names));
    updated.textContent = `Updated ${clockTime(new Date())}, every ${EVERY_MS / 1000} s while this page is shown.`;
    return showFigures();
  };
  const choose = async (id) => {
    chosen = id;
    await render();
    // The table was drawn again with this row pressed: the focus goes back to its button.
    deployments.querySelector(`button[data-deployment="${CSS.escape(id)}"]`)?.focus();
  };
  const load = async () => {
    const [systemNow, found, raised] = await Promise.all([
      api("/v1/monitoring/system"), api("/v1/monitoring/deployments"), api(`/v1/monitoring/alerts?limit=${ALERTS}`)]);
    last = { system: systemNow, deployments: found, alerts: raised };
    await render();
  };

  await load();
  // Poll while this page is the one shown and the tab is visible; stop once the visitor leaves.
  const here = location.hash;
  let timer = null;
  const left = () => location.hash !== here || !root.isConnected;
  const poll = async () => {
    timer = null;
    if (left()) return stop();
    if (document.visibilityState === "visible") {
      try {
        await load();
      } catch (error) {
        updated.replaceChildren(failure(error));
      }
    }
    if (!left()) timer = setTimeout(poll, EVERY_MS);
    else stop();
  };
  const visible = () => {
    if (left()) return stop();
    if (document.visibilityState === "visible" && timer !== null) {
      clearTimeout(timer);
      poll();
    }
  };
  function stop() {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    document.removeEventListener("visibilitychange", visible);
    window.removeEventListener("hashchange", leaving);
  }
  function leaving() {
    if (left()) stop();
  }
  document.addEventListener("visibilitychange", visible);
  window.addEventListener("hashchange", leaving);
  timer = setTimeout(poll, EVERY_MS);
  return root;
}

// --- the public's page -----------------------------------------------------------------------

const SETTINGS = {
  ewma_lambda: "Baseline smoothing (EWMA λ)",
  cusum_k: "CUSUM reference (baseline standard deviations)",
  cusum_h: "CUSUM decision interval (baseline standard deviations)",
  warmup: "Points that build the baseline before any alarm",
  recover_after: "Points back in bounds that clear an alert",
  window_minutes: "Window for degrading together (minutes)",
  min_deployments: "Deployments that make a systemic alert, at least",
  chance: "Chance by coincidence below which it is raised",
};

function thresholdFacts(thresholds) {
  const shown = Object.fromEntries(Object.entries(SETTINGS).map(([key, label]) =>
    [label, key === "chance" ? scientific(thresholds[key]) : String(thresholds[key] ?? MISSING)]));
  for (const [figure, bound] of Object.entries(thresholds.bounds ?? {})) {
    const unit = figure.startsWith("latency") ? "s" : figure === "volume" ? "{request}" : "1";
    shown[`Bound on ${(FIGURES[figure] ?? figure).toLowerCase()}`] = [
      bound.min !== null && bound.min !== undefined ? `at least ${inUnit(bound.min, unit)}` : null,
      bound.max !== null && bound.max !== undefined ? `at most ${inUnit(bound.max, unit)}` : null].filter(Boolean).join(", ");
  }
  if (thresholds.reason) shown["Reason for the settings"] = thresholds.reason;
  return h("dl", { class: "facts", id: "monitoring-thresholds" }, Object.entries(shown).flatMap(([label, value]) => [h("dt", {}, label), h("dd", {}, value)]));
}

function summaryTables(summaries) {
  if (!summaries.length) return [h("p", { id: "monitoring-no-summary" }, "No daily summary has been published yet.")];
  const latest = summaries[0];
  const unit = (figure) => (figure.startsWith("latency") ? "s" : figure === "volume" ? "{request}" : "1");
  return [
    table(`Daily summaries published (${count(summaries.length)}), newest first`, [
      ["Day", (s) => s.day],
      ["Deployments", (s) => count(s.deployments), { number: true }],
      ["Institutions", (s) => count(s.institutions), { number: true }],
      ["Alerts", (s) => count(s.alerts), { number: true }],
      ["Systemic alerts", (s) => count(s.systemic_alerts), { number: true }],
      ["Exposure affected", (s) => Object.entries(s.affected_exposure_eur).map(([name, amount]) => `${name}: ${eur(amount)}`).join("; ") || MISSING],
    ], summaries),
    table(`Each figure across deployments on ${latest.day}`, [
      ["Figure", (f) => FIGURES[f.figure] ?? f.figure],
      ["Deployments", (f) => count(f.deployments), { number: true }],
      ["10th percentile", (f) => inUnit(f.p10, unit(f.figure)), { number: true }],
      ["Median", (f) => inUnit(f.median, unit(f.figure)), { number: true }],
      ["90th percentile", (f) => inUnit(f.p90, unit(f.figure)), { number: true }],
    ], latest.figures, "No figure was reported that day."),
  ];
}

async function publicPage(api) {
  const [summaries, thresholds] = await Promise.all([api("/v1/monitoring/summaries"), api("/v1/monitoring/thresholds")]);
  return [
    h("h1", {}, "Monitoring"),
    h("p", {}, "Supervisors watch deployments' telemetry as it arrives. Each firm's figures are confidential; what is published is each day's spread across deployments, the alerts counted, and the exposure affected by provider where at least three firms are behind the figure."),
    h("h2", {}, "Daily summaries"),
    ...summaryTables(summaries),
    h("h2", {}, "The detector's thresholds in force"),
    thresholdFacts(thresholds),
  ];
}

export async function monitoringPage({ api, visitor }) {
  return visitor.permissions.includes(READ) ? livePage(api, visitor) : publicPage(api);
}
