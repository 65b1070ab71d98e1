// Escrow: model weights held in custodial escrow. Each deposit with its size, its k-of-n split
// among custodians, how many of them still confirm they hold their share, its last storage
// audit and each custodian's next confirmation; the release requests with their approvals; the
// custodians appointed. Who holds what and how custody fares is public, so anyone can check it;
// where the escrow store lies is shown to supervisors only (the API leaves it out for others).
// No share or key ever reaches this page: the API serves none.
import { ApiError } from "../api.js";
import { MISSING, count, size, timestamp } from "../format.js";
import { label } from "../schema.js";
import { h, table } from "../ui.js";
import { names } from "./names.js";

// A release's status in the colour of the lifecycle it resembles: waiting, done, stopped.
const RELEASE_TONES = { requested: "open", opened: "granted", refused: "revoked" };

function when(value) {
  return value ? h("span", { class: "nowrap" }, timestamp(value)) : MISSING;
}

function tone(text, shade) {
  return h("span", { class: `badge status-${shade}` }, text);
}

function plural(figure, one, many = `${one}s`) {
  return `${count(figure)} ${figure === 1 ? one : many}`;
}

/** Each model id with its name and page, or the id alone where the visitor finds no such model. */
async function models(api, ids) {
  const unique = [...new Set(ids)];
  const found = await Promise.all(unique.map(async (id) => {
    try {
      const model = await api(`/v1/models/${encodeURIComponent(id)}`);
      return { name: model.name ?? id, href: `#/models/${encodeURIComponent(id)}` };
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 404) throw error;
      return { name: id, href: null };
    }
  }));
  return new Map(unique.map((id, k) => [id, found[k]]));
}

function modelLink(model) {
  return model.href ? h("a", { href: model.href }, model.name) : model.name;
}

function passport(deposit) {
  return h("span", {}, `version ${deposit.passport_version} `,
    deposit.current ? tone("current", "granted") : tone("superseded", "overdue"));
}

function components(deposit) {
  return h("span", {}, plural(deposit.components.length, "component"), h("br"),
    h("small", { class: "nowrap" }, size(deposit.size)));
}

function liveness(deposit) {
  return h("span", {}, `${count(deposit.live)} of ${count(deposit.holders.length)} live`,
    deposit.quorum_at_risk ? [" ", tone("quorum at risk", "overdue")] : null);
}

/** The last storage audit: its result, when, how many chunks it proved, and each chunk that failed. */
function custodyCheck(audit) {
  if (!audit) return "not audited yet";
  return h("div", {},
    audit.passed ? tone("passed", "granted") : tone("failed", "failed"), " ", when(audit.audited_at),
    h("div", {}, `${plural(audit.indices.length, "chunk")} checked`),
    audit.failures.length ? h("ul", {}, audit.failures.map((failure) =>
      h("li", {}, `chunk ${count(failure.index)}: `, h("span", { class: "wrap-anywhere" }, failure.reason)))) : null);
}

function store(deposit) {
  return h("span", { class: "wrap-anywhere" }, h("code", {}, deposit.vault), " ", h("code", {}, deposit.reference));
}

function depositName(deposit, named) {
  return h("span", {}, modelLink(named.get(deposit.model_id)), `, passport version ${deposit.passport_version}`);
}

function deposits(list, named, visitor) {
  // Only a supervisor is told where the ciphertext is kept; for others the API omits the field.
  const located = list.some((deposit) => deposit.vault !== undefined);
  const atRisk = list.filter((deposit) => deposit.quorum_at_risk);
  return [
    h("h2", {}, "Deposits"),
    atRisk.length ? h("p", { class: "notice bad", id: "quorum-warning" },
      `Quorum at risk: ${plural(atRisk.length, "deposit has", "deposits have")} fewer live custodians (confirmed and not overdue) than the approvals a release needs.`) : null,
    table(`Deposits, newest first (${count(list.length)})`, [
      ["Model", (d) => modelLink(named.get(d.model_id))],
      ["Passport", passport],
      ["Components", components],
      ["Chunks", (d) => count(d.chunks), { number: true }],
      ["Custodians", (d) => `${count(d.threshold)} of ${plural(d.holders.length, "custodian")}`],
      ["Live custodians", liveness],
      ["Last custody check", (d) => custodyCheck(d.last_audit)],
      ["Deposited", (d) => when(d.deposited_at)],
      ...(located ? [["Escrow store", store]] : []),
    ], list, emptyDeposits(visitor)),
  ];
}

function emptyDeposits(visitor) {
  const who = visitor.role === "provider" ? "Once your firm files a deposit" : "Once a provider files a deposit";
  return `No model is in escrow yet. ${who}, it appears here with its size, its custodians and its custody checks.`;
}

/** Each custodian's share of each deposit: when it last confirmed the share still opens, and
 * when it must next, soonest first, so an overdue confirmation heads the list. */
function confirmations(list, named, organisations) {
  const rows = list.flatMap((deposit) => deposit.holders.map((holder) => ({ deposit, holder })))
    .sort((a, b) => Date.parse(a.holder.due_at) - Date.parse(b.holder.due_at));
  if (!rows.length) return [];
  return [
    h("h3", {}, "Custody confirmations"),
    table(`Each custodian's next confirmation, soonest first (${count(rows.length)})`, [
      ["Deposit", ({ deposit }) => depositName(deposit, named)],
      ["Custodian", ({ holder }) => organisations.get(holder.organisation_id) ?? holder.organisation_id],
      ["Last confirmed", ({ holder }) => (holder.confirmed_at ? when(holder.confirmed_at) : "not yet")],
      ["Next due", ({ holder }) => h("span", {}, when(holder.due_at),
        holder.overdue ? [" ", tone("overdue", "overdue")] : null)],
      ["Periods missed", ({ holder }) => count(holder.missed), { number: true }],
    ], rows),
  ];
}

function approvals(release) {
  const approved = release.approvals.length;
  return h("span", {}, `${count(approved)} of ${plural(release.threshold, "approval")} `,
    release.quorum ? tone("quorum", "granted") : tone(release.status === "requested" ? "no quorum yet" : "no quorum", "open"));
}

function outcome(release) {
  if (!release.closed_at) return MISSING;
  return h("span", {}, when(release.closed_at), release.reason ? h("div", { class: "wrap-anywhere" }, release.reason) : null);
}

function releases(list, deposited, named) {
  const depositOf = (release) => {
    const deposit = deposited.get(release.deposit_id);
    return deposit ? depositName(deposit, named) : modelLink(named.get(release.model_id));
  };
  return [
    h("h2", {}, "Release requests"),
    h("p", {}, "A supervisor asks for a deposit to be opened, with its grounds; the custodians approve one by one, and once as many approve as the deposit's threshold the key can be put back together and the deposit opened."),
    table(`Release requests, newest first (${count(list.length)})`, [
      ["Deposit", depositOf],
      ["Grounds", (r) => label(r.grounds)],
      ["Statement", (r) => h("span", { class: "wrap-anywhere" }, r.statement)],
      ["Requested", (r) => when(r.requested_at)],
      ["Status", (r) => tone(r.status, RELEASE_TONES[r.status] ?? "open")],
      ["Approvals", approvals],
      ["Closed", outcome],
    ], list, "No release has been requested. A request appears here with its grounds and the custodians' approvals as they come in."),
  ];
}

function custodians(list, deposited, organisations) {
  const shares = new Map();
  for (const deposit of deposited.values()) {
    for (const holder of deposit.holders) shares.set(holder.appointment_id, (shares.get(holder.appointment_id) ?? 0) + 1);
  }
  return [
    h("h2", {}, "Custodians"),
    h("p", {}, "Organisations appointed by a supervisor to hold key shares. Each confirms, at the interval of its appointment, that every share it holds still opens."),
    table(`Custodians appointed (${count(list.length)})`, [
      ["Organisation", (c) => organisations.get(c.organisation_id) ?? c.organisation_id],
      ["In force", (c) => (c.in_force ? tone("in force", "granted") : tone(c.status === "withdrawn" ? "withdrawn" : "not in force", "overdue"))],
      ["Valid", (c) => h("span", { class: "nowrap" }, `${c.valid_from} to ${c.valid_until}`)],
      ["Confirms", (c) => `every ${plural(c.confirm_every_days, "day")}`],
      ["Shares held", (c) => count(shares.get(c.id) ?? 0), { number: true }],
      ["Withdrawn because", (c) => c.reason ?? MISSING],
    ], list, "No custodian is appointed yet. Once a supervisor appoints one, it appears here with its term and how often it confirms."),
  ];
}

export async function escrowPage({ api, visitor }) {
  const [depositList, releaseList, custodianList] = await Promise.all([
    api("/v1/escrow/deposits"), api("/v1/escrow/releases"), api("/v1/escrow/custodians")]);
  const [named, organisations] = await Promise.all([
    models(api, [...depositList.map((d) => d.model_id), ...releaseList.map((r) => r.model_id)]),
    names(api, "organisations", [
      ...custodianList.map((c) => c.organisation_id),
      ...depositList.flatMap((d) => d.holders.map((holder) => holder.organisation_id)),
    ]),
  ]);
  const deposited = new Map(depositList.map((deposit) => [deposit.id, deposit]));
  return [
    h("h1", {}, "Escrow"),
    h("p", {}, "Model weights held in custodial escrow. A provider seals a model's components under a fresh key and splits the key among custodians, so that only enough of them together can open the deposit; the ciphertext's storage is audited against the root the deposit committed to. Times are in UTC."),
    ...deposits(depositList, named, visitor),
    ...confirmations(depositList, named, organisations),
    ...releases(releaseList, deposited, named),
    ...custodians(custodianList, deposited, organisations),
  ].filter(Boolean);
}
