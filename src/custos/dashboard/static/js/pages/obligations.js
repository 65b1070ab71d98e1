// Obligations board: by due date, filtered by status, pack and jurisdiction, a page at a time;
// each with the explanation of why it applies and how its due date was reached.
import { count, flop, number, scientific, timestamp } from "../format.js";
import { label, parameterChoices } from "../schema.js";
import { badge, facts, field, h, table } from "../ui.js";

const PAGE_SIZE = 100;
const SUBJECT_PAGES = { model: "models" };

function dueDate(due) {
  if (!due) return null;
  const start = due.start?.filing
    ? [" The clock started with filing ", h("a", { href: `#/ledger?filing=${due.start.filing}` }, due.start.filing), "."]
    : null;
  return h("div", { class: "due-explanation" },
    h("h3", {}, "Due date"),
    h("p", {}, due.summary, start),
    facts({
      due: timestamp(due.due_at),
      period: `${number(due.within, 0)} ${label(due.unit)}`,
      counting: due.counting,
      jurisdiction: due.jurisdiction,
      not_before: due.not_before ?? "—",
      recurring: due.recurring ?? "no",
    }));
}

function explanation(data) {
  const { explanation: why, now, due } = data;
  const parts = [
    h("p", {}, `Rule ${why.rule} of ${why.pack}: ${why.title}.`),
    h("p", {}, "Condition: ", h("code", {}, why.condition), ` — ${why.outcome}.`),
    h("p", {}, `Source: ${why.cite.document}, ${why.cite.article}.`),
    Object.keys(why.facts ?? {}).length ? facts(why.facts) : null,
    why.missing?.length ? h("p", {}, `Facts not known: ${why.missing.join(", ")}.`) : null,
    ...(now?.distance ?? []).map((distance) => {
      const figure = (value) => (typeof value !== "number" ? String(value) : distance.fact.endsWith("flop") ? flop(value) : scientific(value));
      return h("p", {}, `${distance.fact} ${distance.operator} ${figure(distance.threshold)}: the value is ${figure(distance.value)}.`);
    }),
    dueDate(due),
  ];
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

/** The subject by the name the viewer may read, linked to its page where it has one. */
function subject(o) {
  const text = o.subject_name ?? `${label(o.subject_kind)} (name withheld)`;
  const page = SUBJECT_PAGES[o.subject_kind];
  return h("span", {}, page ? h("a", { href: `#/${page}/${encodeURIComponent(o.subject_id)}` }, text) : text,
    h("small", { class: "subject-kind" }, ` ${o.subject_kind}`));
}

/** A pack's title up to its first comma or parenthesis: "EU AI Act", "California SB 53". */
function short(title) {
  return title.split(/[,(]/)[0].trim();
}

function select(name, options, value) {
  return h("select", { name }, options.map(([optionValue, text]) =>
    h("option", { value: optionValue, selected: optionValue === value }, text)));
}

function filters(params, statuses, packs) {
  const jurisdictions = [...new Set(packs.map((pack) => pack.jurisdiction))].sort();
  const controls = {
    status: select("status", statuses.map((option) => [option, option ? label(option) : "any"]), params.get("status") ?? ""),
    pack: select("pack", [["", "any"], ...packs.map((pack) => [pack.pack, short(pack.title)])], params.get("pack") ?? ""),
    jurisdiction: select("jurisdiction", [["", "any"], ...jurisdictions.map((code) => [code, code])], params.get("jurisdiction") ?? ""),
    due_before: h("input", { name: "due_before", type: "date", value: (params.get("due_before") ?? "").slice(0, 10) }),
  };
  return h("form", { class: "filters", "aria-label": "Filter obligations", onsubmit: (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const [key, control] of Object.entries(controls)) {
      if (control.value) next.set(key, key === "due_before" ? `${control.value}T00:00:00Z` : control.value);
    }
    if (params.get("subject")) next.set("subject", params.get("subject"));
    location.hash = `#/obligations?${next}`;
  } }, field("Status", controls.status), field("Pack", controls.pack), field("Jurisdiction", controls.jurisdiction),
  field("Due before", controls.due_before), h("button", { type: "submit" }, "Filter"));
}

function pager(params, page, offset) {
  const at = (start) => {
    const next = new URLSearchParams(params);
    if (start) next.set("offset", String(start));
    else next.delete("offset");
    return `#/obligations?${next}`;
  };
  return h("p", { class: "pager" },
    offset > 0 ? h("a", { href: at(Math.max(0, offset - PAGE_SIZE)) }, "← Previous page") : null,
    page.next !== null ? h("a", { href: at(page.next) }, "Next page →") : null);
}

export async function obligationsPage({ params, api }) {
  const offset = Math.max(0, Math.floor(Number(params.get("offset")) || 0));
  const query = new URLSearchParams({ limit: String(PAGE_SIZE), offset: String(offset) });
  for (const key of ["status", "pack", "jurisdiction", "due_before", "subject"]) {
    if (params.get(key)) query.set(key, params.get(key));
  }
  const [page, statuses, packs] = await Promise.all([
    api(`/v1/policy/obligations?${query}`),
    parameterChoices(api, "/v1/policy/obligations", "status"),
    api("/v1/policy/packs"),
  ]);
  const active = packs.filter((pack) => pack.active);
  const shown = page.items.length ? `, showing ${count(offset + 1)}–${count(offset + page.items.length)}` : "";
  const rows = table("Obligations by due date", [
    ["Obligation", (o) => o.title],
    ["Subject", subject],
    ["Pack", (o) => short(active.find((pack) => pack.pack === o.pack)?.title ?? o.pack)],
    ["Jurisdiction", (o) => o.jurisdiction],
    ["Status", (o) => badge(o.status)],
    ["Due", (o) => h("span", { class: "nowrap" }, timestamp(o.due_at))],
    ["Severity", (o) => label(o.severity)],
    ["Why", (o) => explainButton(api, o)],
  ], page.items, "No obligation matches.");
  rows.id = "obligations";
  return [
    h("h1", {}, "Obligations"), filters(params, statuses, active),
    h("p", { id: "obligations-summary", role: "status" }, `${count(page.total)} obligations match${shown}.`),
    rows, pager(params, page, offset),
  ];
}
