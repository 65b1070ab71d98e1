// A model: what the viewer may see of it and its passport, its deployments, obligations and history.
import { count, flop, money, number, percent, scientific, timestamp } from "../format.js";
import { label } from "../schema.js";
import { badge, facts, h, table } from "../ui.js";
import { attestationsOf } from "./auditors.js";
import { names } from "./names.js";
import { explainButton } from "./obligations.js";
import { provenanceOf } from "./provenance.js";
import { deploymentRows } from "./registry.js";

const POWERS = [[1e9, "GW"], [1e6, "MW"], [1e3, "kW"]];

function watts(value) {
  const [scale, unit] = POWERS.find(([size]) => Math.abs(value) >= size) ?? [1, "W"];
  return `${number(value / scale)} ${unit}`;
}

// Each figure of a passport with its unit, by the name of its field.
const UNITS = [
  [/flop(_lower|_upper)?$/, flop],
  [/^cost_usd_2023$/, (value) => `${money(value, "USD")} (2023 dollars)`],
  [/^power_draw_watts$/, watts],
  [/^utilisation$/, percent],
  [/^training_time_hours$/, (value) => `${number(value)} h`],
  [/^training_energy_kwh$/, (value) => `${number(value)} kWh`],
  [/^co2_eq_kg$/, (value) => `${number(value)} kg CO₂e`],
  [/^(parameters|.*_datapoints)$/, scientific],
  [/(_quantity|_population)$/, count],
  [/(_at)$/, timestamp],
];

// Fields whose name carries their unit, by a name without it (the value now says the unit).
const NAMES = {
  training_flop: "training_compute", training_flop_lower: "training_compute_lower_bound",
  training_flop_upper: "training_compute_upper_bound", finetune_flop: "fine_tuning_compute",
  post_training_flop: "post_training_compute", cost_usd_2023: "cost", power_draw_watts: "power_draw",
  training_time_hours: "training_time", training_energy_kwh: "training_energy", co2_eq_kg: "emissions",
  training_dataset_size_datapoints: "training_dataset_size", size_datapoints: "size",
};

/** A field's value as a reader wants it: figures with their units, enumerations in words. */
function readable(key, value) {
  if (value === null || value === undefined) return value;
  if (Array.isArray(value)) return value.map((entry) => readable(key, entry));
  if (typeof value === "object") {
    if ("amount" in value && "currency" in value) return money(value.amount, value.currency);
    return Object.fromEntries(Object.entries(value).map(([name, entry]) => [NAMES[name] ?? name, readable(name, entry)]));
  }
  if (typeof value === "boolean") return value ? "yes" : "no";
  const unit = UNITS.find(([pattern]) => pattern.test(key));
  if (unit && (typeof value === "number" || key.endsWith("_at"))) return unit[1](value);
  if (["accessibility", "lineage", "confidence"].includes(key)) return label(value);
  if (typeof value === "number") return number(value);
  return value;
}

function withheld(list) {
  return list?.length ? h("p", { class: "withheld" }, `Withheld from you: ${list.map((name) => label(name).toLowerCase()).join(", ")}.`) : null;
}

async function obligationsOf(api, id) {
  const page = await api(`/v1/policy/obligations?subject=${encodeURIComponent(id)}&limit=200`);
  return [h("h2", {}, "Obligations"),
    table(`Obligations attached to this model (${count(page.total)})`, [
      ["Obligation", (o) => o.title],
      ["Status", (o) => badge(o.status)],
      ["Due", (o) => timestamp(o.due_at)],
      ["Why", (o) => explainButton(api, o)],
    ], page.items, "No obligation that you may see."),
    page.next === null ? null : h("p", {}, h("a", { href: `#/obligations?subject=${encodeURIComponent(id)}` }, `All ${count(page.total)} obligations`))];
}

export async function modelPage({ id, api, visitor }) {
  const model = await api(`/v1/models/${encodeURIComponent(id)}`);
  const [history, deployments] = await Promise.all([
    api(`/v1/models/${encodeURIComponent(id)}/passports`),
    api(`/v1/deployments?model=${encodeURIComponent(id)}&limit=100`),
  ]);
  const organisations = await names(api, "organisations", [model.provider_id]);
  const current = history.find((version) => version.current) ?? history.at(-1);
  const compute = current?.passport?.compute?.training_flop;
  const sections = [
    h("h1", {}, model.name ?? model.id),
    h("p", {}, "Provider: ", organisations.get(model.provider_id) ?? "withheld",
      compute === undefined ? "" : `. Training compute: ${flop(compute)}`, "."),
    facts(readable("model", model), ["id", "name", "withheld", "filing_id", "provider_id", "developer_ids", "passport", "deployments"]),
    withheld(model.withheld),
    h("h2", {}, "Passport"),
  ];
  if (current) {
    sections.push(
      h("p", {}, h("label", { for: "completeness" }, `Completeness ${percent(current.completeness)} `),
        h("meter", { id: "completeness", class: "meter", min: 0, max: 1, value: current.completeness }, percent(current.completeness))),
      current.missing.length ? h("p", {}, `Missing: ${current.missing.join(", ")}.`) : h("p", {}, "Complete."),
      facts(readable("passport", current.passport ?? {})),
      withheld(current.withheld),
    );
  } else sections.push(h("p", {}, "No passport filed."));
  sections.push(h("h2", {}, "Deployments"));
  if (deployments.items.length) {
    sections.push(await deploymentRows(api, deployments.items, `Deployments of this model (${count(deployments.total)})`));
    if (deployments.next) sections.push(h("p", {}, `The first ${count(deployments.items.length)} are shown.`));
  } else sections.push(h("p", {}, "No deployment registered."));
  if (visitor.permissions.includes("policy:obligations:read")) sections.push(...(await obligationsOf(api, id)));
  if (visitor.permissions.includes("assurance:audits:read")) sections.push(...(await attestationsOf(api, id)));
  if (visitor.permissions.includes("provenance:audits:read")) sections.push(...(await provenanceOf(api, id)));
  sections.push(h("h2", {}, "Passport history"), table("Versions of the passport", [
    ["Version", (v) => count(v.version), { number: true }],
    ["Filed", (v) => timestamp(v.filed_at)],
    ["Completeness", (v) => percent(v.completeness), { number: true }],
    ["Current", (v) => (v.current ? "yes" : "")],
    ["Filing", (v) => h("a", { href: `#/ledger?filing=${v.filing_id}` }, "verify")],
  ], history));
  // A missing part (nothing withheld, no link to more) is left out, never written as text.
  return sections.filter(Boolean);
}
