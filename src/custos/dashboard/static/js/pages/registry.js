// Registry: models and deployments, searchable and filtered, a page at a time.
import { field, h, number, percent } from "../ui.js";
import { parameterChoices } from "../schema.js";
import { names } from "./names.js";

const COMPUTE = [["", "any"], ["1e23", "10²³ FLOP or more"], ["1e24", "10²⁴ FLOP or more"], ["1e25", "10²⁵ FLOP or more"], ["1e26", "10²⁶ FLOP or more"]];

function select(name, options, value) {
  return h("select", { name }, options.map((option) => {
    const [optionValue, label] = Array.isArray(option) ? option : [option, option || "any"];
    return h("option", { value: optionValue, selected: optionValue === value }, label);
  }));
}

function filters(params, view, accessibility, sectors) {
  const search = h("input", { name: "q", type: "search", value: params.get("q") ?? "", maxlength: 200 });
  const country = h("input", { name: "country", value: params.get("country") ?? "", size: 3, maxlength: 2 });
  const controls = [field("Name contains", search), field("Country (ISO code)", country)];
  if (view === "models") {
    controls.push(field("Accessibility", select("accessibility", accessibility, params.get("accessibility") ?? "")),
      field("Training compute", select("min_flop", COMPUTE, params.get("min_flop") ?? "")));
  } else {
    controls.push(field("Sector", select("sector", sectors, params.get("sector") ?? "")));
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

export async function registryPage({ params, api }) {
  const view = params.get("view") === "deployments" ? "deployments" : "models";
  const query = new URLSearchParams({ limit: "50" });
  for (const key of ["q", "country", "accessibility", "min_flop", "sector", "cursor"]) {
    const value = params.get(key);
    if (value) query.set(key, key === "country" ? value.toUpperCase() : value);
  }
  const page = await api(`/v1/${view}?${query}`);
  const tabs = h("p", {}, ["models", "deployments"].map((name) => [
    h("a", { href: `#/registry?view=${name}`, "aria-current": name === view ? "page" : null }, name === "models" ? "Models" : "Deployments"), " "]));
  let rows;
  if (view === "models") {
    const providers = await names(api, "organisations", page.items.map((item) => item.provider_id));
    rows = h("table", { id: "results" }, h("caption", {}, `Models (${page.items.length} on this page)`),
      h("thead", {}, h("tr", {}, ["Name", "Provider", "Released", "Training compute (FLOP)", "Accessibility", "Passport complete"].map((label) => h("th", { scope: "col" }, label)))),
      h("tbody", {}, page.items.map((item) => h("tr", {},
        h("td", {}, h("a", { href: `#/models/${item.id}` }, item.name)),
        h("td", {}, providers.get(item.provider_id) ?? ""),
        h("td", {}, item.release_date ?? "—"),
        h("td", { class: "number" }, item.training_flop ? item.training_flop.toExponential(2) : "—"),
        h("td", {}, item.accessibility ?? "—"),
        h("td", { class: "number" }, percent(item.completeness, 0))))));
  } else {
    const deployers = await names(api, "organisations", page.items.map((item) => item.deployer_id));
    const models = await names(api, "models", page.items.map((item) => item.model_id));
    rows = h("table", { id: "results" }, h("caption", {}, `Deployments (${page.items.length} on this page)`),
      h("thead", {}, h("tr", {}, ["Name", "Deployer", "Model", "Sector", "Decision-critical", "Jurisdictions"].map((label) => h("th", { scope: "col" }, label)))),
      h("tbody", {}, page.items.map((item) => h("tr", {},
        h("td", {}, item.name),
        h("td", {}, deployers.get(item.deployer_id) ?? ""),
        h("td", {}, h("a", { href: `#/models/${item.model_id}` }, models.get(item.model_id) ?? item.model_id)),
        h("td", {}, item.sector ?? "—"),
        h("td", {}, item.decision_critical ? "yes" : "no"),
        h("td", {}, (item.jurisdictions ?? []).join(", "))))));
  }
  if (!page.items.length) rows = h("p", { id: "results" }, "No match.");
  const more = new URLSearchParams(params);
  more.set("view", view);
  if (page.next) more.set("cursor", page.next);
  const pager = h("p", { class: "pager" },
    params.get("cursor") ? h("button", { type: "button", class: "secondary", onclick: () => history.back() }, "← Previous page") : null,
    page.next ? h("a", { href: `#/registry?${more}` }, "Next page →") : null);
  const [accessibility, sectors] = await Promise.all([
    parameterChoices(api, "/v1/models", "accessibility"),
    parameterChoices(api, "/v1/deployments", "sector"),
  ]);
  return [h("h1", {}, "Registry"), tabs, filters(params, view, accessibility, sectors), rows, pager,
    h("p", {}, `${number(page.items.length)} shown. Fields you may not see are withheld.`)];
}
