// Obligations board: by due date and status, each with the explanation of why it applies.
import { parameterChoices } from "../schema.js";
import { badge, facts, field, h, table, when } from "../ui.js";

function explanation(data) {
  const { explanation: why, now } = data;
  const parts = [
    h("p", {}, `Rule ${why.rule} of ${why.pack}: ${why.title}.`),
    h("p", {}, "Condition: ", h("code", {}, why.condition), ` — ${why.outcome}.`),
    h("p", {}, `Source: ${why.cite.document}, ${why.cite.article}.`),
    Object.keys(why.facts ?? {}).length ? facts(why.facts) : null,
    why.missing?.length ? h("p", {}, `Facts not known: ${why.missing.join(", ")}.`) : null,
  ];
  for (const distance of now?.distance ?? []) {
    parts.push(h("p", {}, `${distance.fact} ${distance.operator} ${distance.threshold}: the value is ${distance.value}.`));
  }
  return h("div", { class: "notice explanation" }, parts);
}

/** A button that shows, below itself, why an obligation applies. */
export function explainButton(api, obligation) {
  const holder = h("div", {});
  const button = h("button", { type: "button", class: "secondary", "aria-expanded": "false", onclick: async () => {
    if (button.getAttribute("aria-expanded") === "true") {
      holder.replaceChildren();
      button.setAttribute("aria-expanded", "false");
      return;
    }
    button.setAttribute("aria-expanded", "true");
    try {
      holder.replaceChildren(explanation(await api(`/v1/policy/obligations/${obligation.id}/explanation`)));
    } catch (error) {
      holder.replaceChildren(h("p", { class: "error-text" }, error.message));
    }
  } }, "Explain");
  return h("div", {}, button, holder);
}

export async function obligationsPage({ params, api }) {
  const status = params.get("status") ?? "";
  const query = new URLSearchParams({ limit: "200" });
  if (status) query.set("status", status);
  if (params.get("due_before")) query.set("due_before", params.get("due_before"));
  const rows = await api(`/v1/policy/obligations?${query}`);
  const statuses = await parameterChoices(api, "/v1/policy/obligations", "status");
  const statusSelect = h("select", { name: "status" }, statuses.map((option) =>
    h("option", { value: option, selected: option === status }, option || "any")));
  const dueInput = h("input", { name: "due_before", type: "date", value: (params.get("due_before") ?? "").slice(0, 10) });
  const form = h("form", { class: "filters", "aria-label": "Filter obligations", onsubmit: (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    if (statusSelect.value) next.set("status", statusSelect.value);
    if (dueInput.value) next.set("due_before", `${dueInput.value}T00:00:00Z`);
    location.hash = `#/obligations?${next}`;
  } }, field("Status", statusSelect), field("Due before", dueInput), h("button", { type: "submit" }, "Filter"));
  return [
    h("h1", {}, "Obligations"), form,
    table(`Obligations by due date (${rows.length})`, [
      ["Obligation", (o) => o.title],
      ["Subject", (o) => (o.subject_kind === "model" ? h("a", { href: `#/models/${o.subject_id}` }, o.subject_id) : o.subject_id)],
      ["Status", (o) => badge(o.status)],
      ["Due", (o) => when(o.due_at)],
      ["Severity", (o) => o.severity ?? "—"],
      ["Why", (o) => explainButton(api, o)],
    ], rows, "No obligation matches."),
  ];
}
