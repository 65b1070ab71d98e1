// Registry: models and deployments, searchable and filtered, a page at a time, largest models first.
import { count, flop, money, percent } from "../format.js";
import { field, h, table } from "../ui.js";
import { label, parameterChoices } from "../schema.js";
import { names } from "./names.js";

const PAGE_SIZE = 50;
const COMPUTE = [["", "any"], ["1e23", "10²³ FLOP or more"], ["1e24", "10²⁴ FLOP or more"], ["1e25", "10²⁵ FLOP or more"], ["1e26", "10²⁶ FLOP or more"]];
// What a supervisor looks at first: the largest training runs, the newest among equals.
const DEFAULT_SORT = "compute";
const FILTERS = ["q", "country", "accessibility", "min_flop", "sector"];

function select(name, options, value) {
  return h("select", { name }, options.map((option) => {
    const [optionValue, text] = Array.isArray(option) ? option : [option, option ? label(option) : "any"];
    return h("option", { value: optionValue, selected: optionValue === value }, text);
  }));
}

function filters(params, view, choices) {
  const search = h("input", { name: "q", type: "search", value: params.get("q") ?? "", maxlength: 200 });
  const country = h("input", { name: "country", value: params.get("country") ?? "", size: 3, maxlength: 2 });
  const controls = [field("Name contains", search), field("Country (ISO code)", country)];
  if (view === "models") {
    controls.push(field("Accessibility", select("accessibility", choices.accessibility, params.get("accessibility") ?? "")),
      field("Training compute", select("min_flop", COMPUTE, params.get("min_flop") ?? "")),
      field("Order", select("sort", choices.sorts, params.get("sort") ?? DEFAULT_SORT)));
  } else {
    controls.push(field("Sector", select("sector", choices.sectors, params.get("sector") ?? "")));
  }
  const form = h("form", { class: "filters", role: "search", "aria-label": `Filter ${view}`, onsubmit: (event) => {
    event.preventDefault();
    const countryField = controls[1];
    const code = country.value.trim();
    if (code && !/^[A-Za-z]{2}$/.test(code)) {
      countryField.showError("Two letters, such as FR or US.");
      country.focus();
      return;
    }
    countryField.showError("");
    const query = new URLSearchParams({ view });
    for (const [key, value] of new FormData(form)) if (String(value).trim()) query.set(key, String(value).trim());
    location.hash = `#/registry?${query}`;
  } }, ...controls, h("button", { type: "submit" }, "Filter"));
  return form;
}

function withheldCell(item, key, show) {
  return key in item ? show(item) : h("span", { class: "withheld" }, "withheld");
}

async function modelRows(api, items) {
  const providers = await names(api, "organisations", items.map((item) => item.provider_id));
  return table("Models", [
    ["Name", (m) => h("a", { href: `#/models/${m.id}` }, m.name ?? m.id)],
    ["Provider", (m) => withheldCell(m, "provider_id", () => providers.get(m.provider_id))],
    ["Released", (m) => withheldCell(m, "release_date", () => h("span", { class: "nowrap" }, m.release_date ?? "—"))],
    ["Training compute", (m) => ("training_flop" in m ? flop(m.training_flop) : h("span", { class: "withheld" }, "withheld")), { number: true }],
    ["Accessibility", (m) => withheldCell(m, "accessibility", () => label(m.accessibility))],
    ["Passport complete", (m) => percent(m.completeness), { number: true }],
  ], items);
}

/** A table of deployments with the columns the viewer may read on at least one of them. */
export async function deploymentRows(api, items, caption = "Deployments") {
  const organisations = await names(api, "organisations", items.flatMap((item) => [item.deployer_id, item.hosting_provider_id]));
  const models = await names(api, "models", items.map((item) => item.model_id));
  const shown = (key) => items.some((item) => item[key] !== undefined && item[key] !== null);
  const columns = [
    ["Name", (d) => d.name ?? d.id],
    ["Deployer", (d) => withheldCell(d, "deployer_id", () => organisations.get(d.deployer_id))],
    ["Model", (d) => withheldCell(d, "model_id", () => h("a", { href: `#/models/${d.model_id}` }, models.get(d.model_id)))],
    ["Sector", (d) => withheldCell(d, "sector", () => label(d.sector))],
    ["Decision-critical", (d) => withheldCell(d, "decision_critical", () => (d.decision_critical ? "yes" : "no"))],
    ["Jurisdictions", (d) => withheldCell(d, "jurisdictions", () => (d.jurisdictions ?? []).join(", "))],
  ];
  // Columns only some viewers may read appear only when a row on the page shows them.
  if (shown("hosting_provider_id")) {
    columns.push(["Host", (d) => withheldCell(d, "hosting_provider_id", () => (d.hosting_provider_id ? organisations.get(d.hosting_provider_id) : "—"))]);
  }
  if (shown("economic_exposure")) {
    columns.push(["Exposure", (d) => withheldCell(d, "economic_exposure", () =>
      (d.economic_exposure ? money(d.economic_exposure.amount, d.economic_exposure.currency) : "—")), { number: true }]);
  }
  if (shown("user_population")) {
    columns.push(["Users", (d) => withheldCell(d, "user_population", () => count(d.user_population)), { number: true }]);
  }
  return table(caption, columns, items);
}

/** "24 models of 1,871, showing 1–24": how many match, of how many, and which are on this page. */
function summary(view, page, all, position) {
  const noun = view === "models" ? "models" : "deployments";
  const first = page.items.length ? position + 1 : 0;
  const matched = all === null ? `${count(page.total)} ${noun}` : `${count(page.total)} ${noun} of ${count(all)}`;
  return h("p", { id: "results-summary", role: "status" },
    page.total ? `${matched}, showing ${count(first)}–${count(position + page.items.length)}.` : `No ${noun} match, of ${count(all)}.`);
}

export async function registryPage({ params, api }) {
  const view = params.get("view") === "deployments" ? "deployments" : "models";
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  for (const key of [...FILTERS, "cursor"]) {
    const value = params.get(key);
    if (value) query.set(key, key === "country" ? value.toUpperCase() : value);
  }
  if (view === "models") query.set("sort", params.get("sort") || DEFAULT_SORT);
  const filtered = FILTERS.some((key) => params.get(key));
  const [page, everything, accessibility, sectors, sorts] = await Promise.all([
    api(`/v1/${view}?${query}`),
    filtered ? api(`/v1/${view}?limit=1`) : null,
    parameterChoices(api, "/v1/models", "accessibility"),
    parameterChoices(api, "/v1/deployments", "sector"),
    parameterChoices(api, "/v1/models", "sort"),
  ]);
  const all = everything ? everything.total : null;
  const position = (Math.max(1, Number(params.get("page")) || 1) - 1) * PAGE_SIZE;
  const tabs = h("p", {}, ["models", "deployments"].map((name) => [
    h("a", { href: `#/registry?view=${name}`, "aria-current": name === view ? "page" : null }, name === "models" ? "Models" : "Deployments"), " "]));
  const rows = page.items.length
    ? await (view === "models" ? modelRows(api, page.items) : deploymentRows(api, page.items))
    : h("p", {}, "No match.");
  rows.id = "results";
  const more = new URLSearchParams(params);
  more.set("view", view);
  if (page.next) {
    more.set("cursor", page.next);
    more.set("page", String(position / PAGE_SIZE + 2));
  }
  const pager = h("p", { class: "pager" },
    params.get("cursor") ? h("button", { type: "button", class: "secondary", onclick: () => history.back() }, "← Previous page") : null,
    page.next ? h("a", { href: `#/registry?${more}` }, "Next page →") : null);
  const withheld = new Set(page.items.flatMap((item) => item.withheld ?? []));
  if (view === "models" && page.items.some((item) => !("training_flop" in item))) withheld.add("training_compute");
  return [h("h1", {}, "Registry"), tabs,
    filters(params, view, { accessibility, sectors, sorts: sorts.filter(Boolean) }),
    summary(view, page, all, position), rows, pager,
    withheld.size ? h("p", { class: "withheld", id: "withheld-note" },
      `Fields you may not see are withheld: ${[...withheld].map((name) => label(name).toLowerCase()).join(", ")}.`) : null,
  ].filter(Boolean);
}
