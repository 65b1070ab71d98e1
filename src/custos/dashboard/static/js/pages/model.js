// A model: what the viewer may see of it and its passport, its deployments, obligations and history.
import { badge, facts, h, percent, table, when } from "../ui.js";
import { names } from "./names.js";
import { explainButton } from "./obligations.js";

function withheld(list) {
  return list?.length ? h("p", { class: "withheld" }, `Withheld from you: ${list.join(", ")}.`) : null;
}

export async function modelPage({ id, api, visitor }) {
  const model = await api(`/v1/models/${encodeURIComponent(id)}`);
  const [history, deployments] = await Promise.all([
    api(`/v1/models/${encodeURIComponent(id)}/passports`),
    api(`/v1/deployments?model=${encodeURIComponent(id)}&limit=100`),
  ]);
  const organisations = await names(api, "organisations", [model.provider_id, ...deployments.items.map((d) => d.deployer_id)]);
  const current = history.find((version) => version.current) ?? history.at(-1);
  const sections = [
    h("h1", {}, model.name),
    h("p", {}, "Provider: ", organisations.get(model.provider_id) ?? model.provider_id),
    facts(model, ["id", "name", "withheld", "filing_id", "provider_id", "developer_ids", "passport", "deployments"]),
    withheld(model.withheld),
    h("h2", {}, "Passport"),
  ];
  if (current) {
    sections.push(
      h("p", {}, h("label", { for: "completeness" }, `Completeness ${percent(current.completeness, 0)} `),
        h("meter", { id: "completeness", class: "meter", min: 0, max: 1, value: current.completeness }, percent(current.completeness, 0))),
      current.missing.length ? h("p", {}, `Missing: ${current.missing.join(", ")}.`) : h("p", {}, "Complete."),
      facts(current.passport ?? {}),
      withheld(current.withheld),
    );
  } else sections.push(h("p", {}, "No passport filed."));
  sections.push(h("h2", {}, "Deployments"), table("Deployments of this model", [
    ["Name", (d) => d.name],
    ["Deployer", (d) => organisations.get(d.deployer_id) ?? d.deployer_id],
    ["Sector", (d) => d.sector ?? "—"],
    ["Jurisdictions", (d) => (d.jurisdictions ?? []).join(", ")],
  ], deployments.items, "No deployment registered."));
  if (visitor.permissions.includes("policy:obligations:read")) {
    const obligations = await api(`/v1/policy/obligations?subject=${encodeURIComponent(id)}&limit=200`);
    sections.push(h("h2", {}, "Obligations"), table("Obligations attached to this model", [
      ["Obligation", (o) => o.title],
      ["Status", (o) => badge(o.status)],
      ["Due", (o) => when(o.due_at)],
      ["Why", (o) => explainButton(api, o)],
    ], obligations, "No obligation that you may see."));
  }
  sections.push(h("h2", {}, "Passport history"), table("Versions of the passport", [
    ["Version", (v) => v.version, { number: true }],
    ["Filed", (v) => when(v.filed_at)],
    ["Completeness", (v) => percent(v.completeness, 0), { number: true }],
    ["Current", (v) => (v.current ? "yes" : "")],
    ["Filing", (v) => h("a", { href: `#/ledger?filing=${v.filing_id}` }, "verify")],
  ], history));
  return sections;
}
