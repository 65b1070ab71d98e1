// Incidents: the list the visitor may read (filtered by status), and an incident's page with
// every clock its report started (pack, article, due time, status), each jurisdiction's
// classification, the models and deployments involved and the reports that followed. The page
// draws only what the API gave the visitor: a withheld field is absent from the answer, and only
// its name is listed. The History tab lists incidents imported from the AI Incident Database.
import { count, timestamp } from "../format.js";
import { label } from "../schema.js";
import { badge, facts, field, h, table } from "../ui.js";

const LIMIT = 100;
const STATUSES = ["", "open", "confirmed", "closed"];
// What the report says beyond the list's columns, drawn when the API gave it.
const REPORT = ["severity", "occurred_at", "discovered_at", "reported_at", "published_at", "harm_types", "facts",
  "imminent_risk", "affected_people", "affected_jurisdictions", "reporter_role", "incomplete", "summary", "public_summary"];

function when(value) {
  return value === undefined ? "—" : h("span", { class: "nowrap" }, timestamp(value));
}

function incidentLink(incident) {
  return h("a", { href: `#/incident/${encodeURIComponent(incident.id)}` }, incident.public_summary ?? incident.summary ?? `Incident ${incident.id}`);
}

function tabs(current) {
  return h("nav", { class: "tabs", "aria-label": "Incident views" }, h("ul", {},
    [["incidents", "Reported"], ["incidents?view=history", "History"]].map(([target, name]) =>
      h("li", {}, h("a", { href: `#/${target}`, "aria-current": current === name ? "page" : null }, name)))));
}

function filters(params) {
  const control = h("select", { name: "status" }, STATUSES.map((option) =>
    h("option", { value: option, selected: option === (params.get("status") ?? "") }, option ? label(option) : "any")));
  return h("form", { class: "filters", "aria-label": "Filter incidents", onsubmit: (event) => {
    event.preventDefault();
    location.hash = control.value ? `#/incidents?status=${encodeURIComponent(control.value)}` : "#/incidents";
  } }, field("Status", control), h("button", { type: "submit" }, "Filter"));
}

function whoSees(visitor) {
  if (visitor.role === "supervisor") return "As a supervisor you read every incident in full.";
  if (visitor.role === "public") return "The public reads an incident once a supervisor has published it: its public summary, models, harm types, dates and jurisdictions.";
  return "You read the incidents your firm reported and those about its models or deployments; others once published. The reporter's own account stays with the reporter and supervisors.";
}

async function history(api) {
  let answer;
  try {
    answer = await api(`/v1/incidents/history?limit=${LIMIT}`);
  } catch {
    return h("p", {}, "No incident history is available.");
  }
  return table(`Imported incidents (${count(answer.total ?? answer.items.length)})`, [
    ["Date", (item) => item.date ?? "—"],
    ["Title", (item) => (item.url ? h("a", { href: item.url, rel: "noopener" }, item.title) : item.title)],
    ["Source", (item) => `${item.source} ${item.external_id}`],
    ["Developers", (item) => (item.developers ?? []).join(", ") || "—"],
    ["Deployers", (item) => (item.deployers ?? []).join(", ") || "—"],
    ["Harmed parties", (item) => (item.harmed_parties ?? []).join(", ") || "—"],
    ["Reports", (item) => count(item.report_count ?? 0), { number: true }],
  ], answer.items, "No incident has been imported.");
}

export async function incidentsPage({ params, api, visitor }) {
  if (params.get("view") === "history") {
    return [h("h1", {}, "Incidents"), tabs("History"), await history(api)];
  }
  const query = new URLSearchParams({ limit: String(LIMIT) });
  if (params.get("status")) query.set("status", params.get("status"));
  const answer = await api(`/v1/incidents?${query}`);
  return [
    h("h1", {}, "Incidents"),
    tabs("Reported"),
    h("p", {}, whoSees(visitor), " Times are in UTC."),
    filters(params),
    table(`Incidents you may read (${count(answer.total)})`, [
      ["Incident", incidentLink],
      ["Status", (i) => badge(i.status)],
      ["Severity", (i) => (i.severity ? label(i.severity) : "—")],
      ["Models", (i) => (i.model_ids ?? []).join(", ") || "—"],
      ["Occurred", (i) => when(i.occurred_at)],
      ["Reported", (i) => when(i.reported_at)],
      ["Published", (i) => when(i.published_at)],
    ], answer.incidents, "None that you may read."),
    answer.total > answer.incidents.length ? h("p", { class: "notice" }, `The newest ${count(answer.incidents.length)} are shown.`) : null,
  ].filter(Boolean);
}

function clockStatus(clock) {
  return badge(clock.status.replaceAll("_", "-"));
}

export async function incidentPage({ id, api }) {
  const incident = await api(`/v1/incidents/${encodeURIComponent(id)}`);
  const shown = Object.fromEntries(REPORT.filter((name) => incident[name] !== undefined).map((name) => [name, incident[name]]));
  const withheld = incident.withheld?.length
    ? h("p", { class: "withheld" }, `Withheld from you: ${incident.withheld.map((name) => label(name).toLowerCase()).join(", ")}.`)
    : null;
  const sections = [
    h("h1", {}, `Incident ${incident.id}`),
    h("p", {}, "Status: ", badge(incident.status)),
    facts(shown),
    withheld,
    h("h2", {}, "Models and deployments"),
    facts({ models: incident.model_ids ?? [], deployments: incident.deployment_ids ?? [] }),
  ];
  if (incident.classifications !== undefined) {
    sections.push(h("h2", {}, "Classifications"), table("What each jurisdiction's definitions make of it", [
      ["Jurisdiction", (c) => c.jurisdiction],
      ["Pack", (c) => c.pack],
      ["Term", (c) => c.term],
      ["Article", (c) => c.article],
      ["Points met", (c) => c.points.join(", ")],
    ], incident.classifications, "It meets no term the loaded packs define."));
  }
  if (incident.clocks !== undefined) {
    sections.push(h("h2", {}, "Clocks"), table("Every clock the report started", [
      ["Duty", (c) => c.title],
      ["Pack", (c) => c.pack],
      ["Jurisdiction", (c) => c.jurisdiction],
      ["Article", (c) => c.article],
      ["On", (c) => c.subject_name ?? c.subject_id],
      ["Due", (c) => when(c.due_at)],
      ["Status", clockStatus],
      ["Closed", (c) => when(c.closed_at)],
    ], incident.clocks, "The report started no clock."));
  }
  if (incident.reports !== undefined) {
    const initial = { id: incident.id, kind: "incident.reported", stage: "initial", filed_at: incident.reported_at };
    sections.push(h("h2", {}, "Reports"), table("The initial report and those that followed", [
      ["Report", (r) => label(r.stage ?? r.kind)],
      ["Filed", (r) => when(r.filed_at)],
      ["Content", (r) => facts(r, ["id", "kind", "stage", "filed_at", "incident_id", "withheld"])],
    ], [initial, ...incident.reports]));
  }
  sections.push(h("p", {}, h("a", { href: "#/incidents" }, "All incidents")));
  return sections.filter(Boolean);
}
