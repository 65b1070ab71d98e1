// Red-team findings by severity, each with the clock running on it: which step is due and when,
// whether it is overdue, and the rungs of the escalation ladder already taken. The page shows
// what the API gives the visitor and nothing more: a field the API withheld is absent from the
// answer, so it is never drawn; only its name is listed.
import { count, timestamp } from "../format.js";
import { label, parameterChoices } from "../schema.js";
import { badge, facts, field, h, table } from "../ui.js";
import { subjectLink, subjects } from "./auditors.js";

const SEVERITIES = ["critical", "high", "medium", "low"];
const LIMIT = 500;
// The clock running now, as the step the firm owes.
const STEPS = { acknowledge: "Acknowledge", mitigate: "Mitigate", retest: "Have it retested" };
// What the report says beyond its public fields, shown only when the API gave it.
const REPORT = ["category", "reproducibility", "details", "reproduction"];

function what(finding) {
  if (finding.title !== undefined) return finding.title;
  if (finding.summary !== undefined) return finding.summary;
  return `Finding ${finding.id}`;
}

function due(finding, now) {
  if (finding.due_at === undefined) return "—";
  const late = Date.parse(finding.due_at) < now;
  return h("span", { class: "nowrap" }, timestamp(finding.due_at), late ? [" ", h("span", { class: "badge status-overdue" }, "overdue")] : null);
}

function report(finding) {
  const shown = Object.fromEntries(REPORT.filter((name) => finding[name] !== undefined).map((name) => [name, finding[name]]));
  const withheld = finding.withheld?.length
    ? h("p", { class: "withheld" }, `Withheld from you: ${finding.withheld.map((name) => label(name).toLowerCase()).join(", ")}.`)
    : null;
  if (!Object.keys(shown).length) return withheld ?? "—";
  return h("details", {}, h("summary", {}, "The report"), facts(shown), withheld);
}

function meaning(severity, meanings) {
  const packs = Object.entries(meanings ?? {}).filter(([, stated]) => stated[severity]);
  if (packs.length === 1) return h("p", { class: "meaning" }, packs[0][1][severity]);
  return packs.length ? h("ul", { class: "meaning" }, packs.map(([pack, stated]) => h("li", {}, `${pack}: ${stated[severity]}`))) : null;
}

function board(severity, list, total, named, now, meanings) {
  const rows = list.filter((finding) => finding.severity === severity);
  const heading = `${label(severity)}: ${count(total)} ${total === 1 ? "finding" : "findings"}`;
  const hidden = total - rows.length;
  return h("section", { class: "severity", id: `severity-${severity}`, "aria-labelledby": `heading-${severity}` },
    h("h2", { id: `heading-${severity}` }, heading),
    meaning(severity, meanings),
    hidden > 0 ? h("p", {}, `${count(hidden)} not shown to you: a finding is embargoed until it is closed and its summary published.`) : null,
    table(`${label(severity)} findings you may read`, [
      ["Finding", what],
      ["Subject", (f) => subjectLink(named.get(f.subject_id))],
      ["Status", (f) => badge(f.status)],
      ["Step due", (f) => (f.clock ? STEPS[f.clock] ?? label(f.clock) : "none")],
      ["Due", (f) => due(f, now)],
      ["Escalations taken", (f) => (f.escalations?.length ? h("ol", {}, f.escalations.map((step) => h("li", {}, label(step)))) : "none")],
      ["Found", (f) => (f.found_at === undefined ? "—" : h("span", { class: "nowrap" }, timestamp(f.found_at)))],
      ["Report", report],
    ], rows, "None that you may read."));
}

function filters(params, statuses) {
  const control = h("select", { name: "status" }, statuses.map((option) =>
    h("option", { value: option, selected: option === (params.get("status") ?? "") }, option ? label(option) : "any")));
  return h("form", { class: "filters", "aria-label": "Filter findings", onsubmit: (event) => {
    event.preventDefault();
    location.hash = control.value ? `#/findings?status=${encodeURIComponent(control.value)}` : "#/findings";
  } }, field("Status", control), h("button", { type: "submit" }, "Filter"));
}

function whoSees(visitor) {
  if (visitor.role === "supervisor") return "As a supervisor you read every finding in full.";
  if (visitor.role === "public") return "The public reads a finding once it is closed and its summary published: its subject, severity, dates and summary. Every finding is counted.";
  return "Your firm's findings are shown in full; other firms' only once closed and published, without their embargoed details. Every finding is counted.";
}

export async function findingsPage({ params, api, visitor }) {
  const query = new URLSearchParams({ limit: String(LIMIT) });
  if (params.get("status")) query.set("status", params.get("status"));
  const [answer, statuses] = await Promise.all([api(`/v1/findings?${query}`), parameterChoices(api, "/v1/findings", "status")]);
  const named = await subjects(api, answer.findings.map((finding) => finding.subject_id));
  const now = Date.now();
  return [
    h("h1", {}, "Findings"),
    h("p", {}, whoSees(visitor), " Due times are in UTC; each step's clock runs from the end of the one before, and a missed clock climbs the escalation ladder."),
    filters(params, statuses),
    answer.findings.length === LIMIT ? h("p", { class: "notice" }, `The newest ${count(LIMIT)} are shown.`) : null,
    ...SEVERITIES.map((severity) => board(severity, answer.findings, answer.counts[severity] ?? 0, named, now, answer.meanings)),
  ].filter(Boolean);
}
