// Auditors: who is accredited to attest, for which scopes and standards, with which keys; and
// the attestations they filed. A model's page shows the attestations about it from here too.
import { ApiError, token } from "../api.js";
import { count, timestamp } from "../format.js";
import { label } from "../schema.js";
import { badge, h, table } from "../ui.js";
import { names } from "./names.js";

const RECENT = 50;
const SHORT_KEY = 12;

/** The catalogue's scopes by id, fetched once: an accreditation and an attestation name them by id. */
let catalogue = null;

function scopes(api) {
  catalogue ??= api("/v1/audit-scopes").then((list) => new Map(list.map((scope) => [scope.id, scope])));
  return catalogue;
}

/** An accredited key's id, shortened to read; the whole id in its title and copied by its button
 * (where the browser refuses the clipboard, the button shows the whole id to select instead). */
function keyId(keyid) {
  const shown = h("code", { title: keyid }, `${keyid.slice(0, SHORT_KEY)}…`);
  const copy = h("button", { type: "button", class: "secondary", "aria-label": `Copy key id ${keyid}`, onclick: async () => {
    try {
      await navigator.clipboard.writeText(keyid);
      copy.textContent = "Copied";
    } catch {
      shown.textContent = keyid;
    }
  } }, "Copy");
  return h("span", {}, shown, " ", copy);
}

async function subjectOf(api, id) {
  for (const [kind, page] of [["models", "models"], ["deployments", null]]) {
    try {
      const item = await api(`/v1/${kind}/${encodeURIComponent(id)}`);
      const what = kind === "models" ? "model" : "deployment";
      return { name: item.name ?? `${what} (name withheld)`, kind: what, href: page ? `#/${page}/${encodeURIComponent(id)}` : null };
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 404) throw error;
    }
  }
  return { name: id, kind: "subject", href: null };
}

/** Each model or deployment id with the name the viewer may read and, for a model, its page.
 * The API names an audited or red-teamed subject by id alone, so its kind is found by asking. */
export async function subjects(api, ids) {
  const unique = [...new Set(ids.filter(Boolean))];
  const found = await Promise.all(unique.map((id) => subjectOf(api, id)));
  return new Map(unique.map((id, k) => [id, found[k]]));
}

/** A subject by name, linked to its page where it has one, with its kind after it. */
export function subjectLink(subject) {
  return h("span", {}, subject.href ? h("a", { href: subject.href }, subject.name) : subject.name,
    h("small", { class: "subject-kind" }, ` ${subject.kind}`));
}

function validity(attestation) {
  return attestation.current ? h("span", { class: "badge status-granted" }, "current") : h("span", { class: "badge status-overdue" }, "expired");
}

function opinion(value) {
  const tone = { pass: "granted", qualified: "open", adverse: "revoked" }[value];
  return h("span", { class: `badge status-${tone}` }, label(value));
}

function scopeName(catalogued, id) {
  return catalogued.get(id)?.title ?? id;
}

/** A link that downloads an attestation's verification bundle as the visitor: the address serves
 * the public's bundle, and a signed-in visitor's click fetches it with their token instead. */
function bundleLink(api, attestation) {
  const path = `/v1/attestations/${encodeURIComponent(attestation.id)}/bundle`;
  const file = `attestation-${attestation.id}.bundle.json`;
  return h("a", { href: path, download: file, onclick: async (event) => {
    if (!token()) return;
    event.preventDefault();
    const blob = await api(path, { as: "blob" });
    const saving = h("a", { href: URL.createObjectURL(blob), download: file });
    saving.click();
    URL.revokeObjectURL(saving.href);
  } }, "bundle");
}

/** The "Audit attestations" part of a model's (or deployment's) page. */
export async function attestationsOf(api, subjectId) {
  const [attestations, catalogued] = await Promise.all([
    api(`/v1/attestations?subject=${encodeURIComponent(subjectId)}&limit=100`), scopes(api)]);
  const auditors = await names(api, "organisations", attestations.map((a) => a.auditor_id));
  return [h("h2", {}, "Audit attestations"),
    h("p", {}, "Each verification bundle holds the attestation's filings with their inclusion proofs and a signed checkpoint, to check offline with ",
      h("code", {}, "custos audit verify"), "."),
    table(`Attestations about this model (${count(attestations.length)})`, [
      ["Auditor", (a) => auditors.get(a.auditor_id) ?? a.auditor_id],
      ["Scope", (a) => scopeName(catalogued, a.scope)],
      ["Standard", (a) => a.standard],
      ["Opinion", (a) => opinion(a.opinion)],
      ["Issued", (a) => h("span", { class: "nowrap" }, timestamp(a.issued_at))],
      ["Valid", (a) => `${a.valid_from} to ${a.valid_until}`],
      ["Now", validity],
      ["Filing", (a) => h("a", { href: `#/ledger?filing=${encodeURIComponent(a.id)}` }, "verify")],
      ["Offline", (a) => bundleLink(api, a)],
    ], attestations, "No attestation filed about this model.")];
}

export async function auditorsPage({ api }) {
  const [accreditations, attestations, catalogued] = await Promise.all([
    api("/v1/auditors"), api(`/v1/attestations?limit=${RECENT}`), scopes(api)]);
  const [organisations, audited] = await Promise.all([
    names(api, "organisations", [...accreditations.map((a) => a.organisation_id), ...attestations.map((a) => a.auditor_id)]),
    subjects(api, attestations.map((a) => a.subject_id)),
  ]);
  const scopeList = (ids) => h("ul", { class: "scopes" }, ids.map((id) =>
    h("li", {}, scopeName(catalogued, id), h("small", {}, ` (${catalogued.get(id)?.standard ?? "standard unknown"})`))));
  return [
    h("h1", {}, "Auditors"),
    h("p", {}, "Auditors accredited to sign attestations, the scopes they may attest to with each scope's standard, and the keys their signatures are checked against."),
    table(`Accredited auditors (${count(accreditations.length)})`, [
      ["Auditor", (a) => organisations.get(a.organisation_id) ?? a.organisation_id],
      ["Status", (a) => badge(a.status)],
      ["In force", (a) => (a.in_force ? "yes" : "no")],
      ["Scopes and standards", (a) => scopeList(a.scopes)],
      ["Valid", (a) => `${a.valid_from} to ${a.valid_until}`],
      ["Keys", (a) => h("ul", { class: "keys" }, a.keys.map((key) => h("li", {}, keyId(key.keyid), ` ${key.scheme}`)))],
    ], accreditations, "No auditor is accredited."),
    h("h2", {}, "Recent attestations"),
    table(`Attestations, newest first (the latest ${count(RECENT)} at most)`, [
      ["Auditor", (a) => organisations.get(a.auditor_id) ?? a.auditor_id],
      ["Subject", (a) => subjectLink(audited.get(a.subject_id))],
      ["Scope", (a) => scopeName(catalogued, a.scope)],
      ["Opinion", (a) => opinion(a.opinion)],
      ["Valid until", (a) => a.valid_until],
      ["Now", validity],
    ], attestations, "No attestation filed yet."),
  ];
}
