// Licences and rollouts: status, scope, conditions, and each rollout stage with its gates.
import { ApiError } from "../api.js";
import { count, percent, timestamp } from "../format.js";
import { label, parameterChoices } from "../schema.js";
import { badge, facts, field, h, table } from "../ui.js";
import { names } from "./names.js";

export async function licencesPage({ params, api }) {
  const status = params.get("status") ?? "";
  const licences = await api(`/v1/licences?limit=500${status ? `&status=${encodeURIComponent(status)}` : ""}`);
  const [models, organisations] = await Promise.all([
    names(api, "models", licences.map((licence) => licence.model_id)),
    names(api, "organisations", licences.map((licence) => licence.applicant_id)),
  ]);
  const statuses = await parameterChoices(api, "/v1/licences", "status");
  const control = h("select", { name: "status" }, statuses.map((option) =>
    h("option", { value: option, selected: option === status }, option ? label(option) : "any")));
  const form = h("form", { class: "filters", "aria-label": "Filter licences", onsubmit: (event) => {
    event.preventDefault();
    location.hash = control.value ? `#/licences?status=${encodeURIComponent(control.value)}` : "#/licences";
  } }, field("Status", control), h("button", { type: "submit" }, "Filter"));
  return [h("h1", {}, "Licences and rollouts"), form, table(`Licences (${count(licences.length)})`, [
    ["Model", (l) => h("a", { href: `#/licence/${l.id}` }, models.get(l.model_id) ?? l.model_id)],
    ["Licensee", (l) => organisations.get(l.applicant_id) ?? l.applicant_id],
    ["Status", (l) => badge(l.status)],
    ["Valid until", (l) => timestamp(l.valid_until)],
    ["Conditions", (l) => count((l.conditions ?? []).length), { number: true }],
  ], licences, "No licence that you may see.")];
}

function gates(stage) {
  const gate = stage.gates ?? {};
  const parts = [];
  if (gate.min_days) parts.push(`${gate.min_days} days in stage`);
  if (gate.no_serious_incident) parts.push("no open serious incident");
  for (const [metric, bounds] of Object.entries(gate.metrics ?? {})) {
    parts.push(`${metric} within [${bounds.min ?? "−∞"}, ${bounds.max ?? "∞"}]`);
  }
  return parts.join("; ") || "none";
}

async function rollout(api, id) {
  try {
    return await api(`/v1/licences/${encodeURIComponent(id)}/rollout`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

export async function licencePage({ id, api }) {
  const licence = await api(`/v1/licences/${encodeURIComponent(id)}`);
  const models = await names(api, "models", [licence.model_id]);
  const plan = await rollout(api, id);
  const sections = [
    h("h1", {}, `Licence for ${models.get(licence.model_id) ?? licence.model_id}`),
    h("p", {}, "Status: ", badge(licence.status), licence.reason ? ` — ${licence.reason}` : ""),
    facts({ valid_from: timestamp(licence.valid_from), valid_until: timestamp(licence.valid_until), term_months: count(licence.term_months) }),
    h("h2", {}, "Scope"), facts(licence.scope ?? {}),
    h("h2", {}, "Conditions"),
    table("Conditions of the licence", [
      ["Condition", (c) => c.title ?? c.key ?? c.kind ?? "condition"],
      ["Details", (c) => facts(c, ["title"])],
    ], licence.conditions ?? [], "No conditions."),
    h("h2", {}, "Rollout"),
  ];
  if (!plan) sections.push(h("p", {}, "No rollout plan."));
  else {
    sections.push(h("p", {}, `Stage ${plan.stage + 1} of ${plan.plan.stages.length}: ${plan.stage_name} (${percent(plan.percentage / 100)}), `,
      badge(plan.status), ` since ${timestamp(plan.since)}.`),
    plan.gates_unmet?.length ? h("p", { class: "notice" }, `Gates not yet met: ${plan.gates_unmet.join("; ")}.`) : null,
    table("Stages and their gates", [
      ["Stage", (s) => (s.index === plan.stage ? h("strong", {}, `${s.name} (current)`) : s.name)],
      ["Share of users", (s) => percent(s.percentage / 100), { number: true }],
      ["Cap", (s) => count(s.max_users), { number: true }],
      ["Gates to leave it", (s) => gates(s)],
    ], plan.plan.stages.map((stage, index) => ({ ...stage, index }))));
  }
  return sections.filter(Boolean); // a part that is absent is left out, not written as "null"
}
