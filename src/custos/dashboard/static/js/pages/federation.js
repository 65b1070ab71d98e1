// Federation: this installation as its peers know it, the peers it recognises and how the
// exchange with each stands (each witnessing the other's log, notices waiting, the last error),
// the notices sent and received, and the notices refused with why. Peers and notices are a
// supervisor's business, so the shell offers this page to supervisors alone.
import { count, timestamp } from "../format.js";
import { label } from "../schema.js";
import { facts, h, table } from "../ui.js";

const LIMIT = 100;
// A status's colour, borrowed from the lifecycle it resembles: in force, waiting, stopped.
const TONES = { active: "granted", acknowledged: "granted", pending: "open", flagged: "revoked" };
// Why a notice was refused, in words; the detail beside it says exactly what failed.
const REASONS = {
  malformed: "Not a well-formed notice",
  unknown_peer: "Not from a recognised peer",
  peer_not_active: "From a peer withdrawn or flagged",
  bad_signature: "Its signature does not verify",
  misdirected: "Addressed to another installation",
  bad_checkpoint: "Its checkpoint does not verify",
  unwitnessed: "Its checkpoint is not yet cosigned here",
  fork: "The peer's log forked",
  bad_filing: "The filing does not match its digest",
  bad_proof: "Its inclusion proof fails",
  out_of_scope: "Outside the scope granted",
  replay: "A filing sent again under another notice",
};

function tone(status) {
  const shade = TONES[status];
  return h("span", { class: shade ? `badge status-${shade}` : "badge" }, status);
}

/** A filing kind in words: licence.suspended → "Licence suspended". */
function kind(name) {
  return label(name.replaceAll(".", "_"));
}

/** A key or origin in full, with a button that copies it (where the browser refuses the
 * clipboard, the button selects the text to copy by hand instead). */
function copyable(text, what) {
  const shown = h("code", {}, text);
  const copy = h("button", { type: "button", class: "secondary", "aria-label": `Copy the ${what}`, onclick: async () => {
    try {
      await navigator.clipboard.writeText(text);
      copy.textContent = "Copied";
    } catch {
      getSelection().selectAllChildren(shown);
      copy.textContent = "Selected: copy it with your keyboard";
    }
  } }, "Copy");
  return h("span", {}, shown, " ", copy);
}

/** A key's fingerprint as `custos peers identity` writes it (SHA256: and the unpadded base64 of
 * the key text's digest), for two supervisors to compare by phone or letter; null where the
 * browser offers no WebCrypto (a page not served over HTTPS or from this machine). */
async function fingerprint(vkey) {
  if (!globalThis.crypto?.subtle) return null;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(vkey)));
  return `SHA256:${btoa(String.fromCharCode(...digest)).replace(/=+$/, "")}`;
}

async function key(vkey, what, meaning) {
  const print = await fingerprint(vkey);
  return h("dd", {}, copyable(vkey, what),
    print ? h("div", {}, "Fingerprint: ", h("code", { class: "fingerprint" }, print)) : null,
    h("small", {}, meaning));
}

async function identity(own) {
  return [
    h("h2", {}, "This installation"),
    h("p", {}, "What a peer needs to recognise this installation: give its supervisor these three, confirm the fingerprints with them by another channel, and take the same from them."),
    h("dl", { class: "facts", id: "identity" },
      h("dt", {}, "Log origin"), h("dd", {}, copyable(own.origin, "log origin")),
      h("dt", {}, "Log key"), await key(own.log_key, "log key", "Verifies this log's checkpoints and the notices it signs."),
      h("dt", {}, "Witness key"), await key(own.witness_key, "witness key", "Verifies this installation's cosignatures of its peers' checkpoints.")),
  ];
}

function scope(granted) {
  const kinds = granted.kinds.map(kind).join(", ");
  const places = granted.jurisdictions.length ? `Jurisdictions: ${granted.jurisdictions.join(", ")}` : "Any jurisdiction";
  const fields = granted.fields.length ? `Confidential fields shown: ${granted.fields.join(", ")}` : "No confidential field shown";
  return h("ul", { class: "scopes" }, h("li", {}, kinds), h("li", {}, places), h("li", {}, fields));
}

function standing(peer) {
  return h("span", {}, tone(peer.status), peer.flag ? h("span", { class: "flag" }, ` ${peer.flag}`) : null);
}

/** A size of a log cosigned, and when; "not yet" before the first cosignature. */
function cosigned(size, at) {
  if (!size) return "not yet";
  return h("span", {}, `${count(size)} ${size === 1 ? "entry" : "entries"}`, h("br"), h("small", { class: "nowrap" }, timestamp(at)));
}

function lastExchange(status) {
  const lines = [
    status.last_acknowledged_at ? `It acknowledged one of ours: ${timestamp(status.last_acknowledged_at)}` : null,
    status.last_received_at ? `We received one of its: ${timestamp(status.last_received_at)}` : null,
  ].filter(Boolean);
  return lines.length ? h("ul", { class: "exchange" }, lines.map((line) => h("li", {}, line))) : "none yet";
}

function peers(statuses) {
  return [
    h("h2", {}, "Peers"),
    table(`Peers recognised (${count(statuses.length)})`, [
      ["Peer", (s) => s.peer.name],
      ["Log origin", (s) => h("code", {}, s.peer.origin)],
      ["Address", (s) => s.peer.url],
      ["Status", (s) => standing(s.peer)],
      ["Scope, both ways", (s) => scope(s.peer.scope)],
      ["Recognised", (s) => h("span", { class: "nowrap" }, timestamp(s.peer.recognised_at))],
    ], statuses, h("span", {}, "No peer is recognised yet: a supervisor recognises one with ", h("code", {}, "custos peers add"), ".")),
    statuses.length ? table("The exchange with each peer", [
      ["Peer", (s) => s.peer.name],
      ["Our log, cosigned by it", (s) => cosigned(s.our_size_cosigned, s.our_cosigned_at)],
      ["Its log, cosigned by us", (s) => cosigned(s.their_size_cosigned, s.their_cosigned_at)],
      ["Notices pending", (s) => count(s.pending), { number: true }],
      ["Last exchange", lastExchange],
      ["Last error", (s) => problem(s.last_error)],
    ], statuses) : null,
  ];
}

/** An error as the exchange reported it; it often holds a long address, so it wraps anywhere. */
function problem(error) {
  return error ? h("span", { class: "wrap-anywhere" }, error) : "none";
}

function filingLink(id) {
  return h("a", { href: `#/ledger?filing=${encodeURIComponent(id)}`, "aria-label": `Check filing ${id} in the log` }, h("code", {}, id));
}

function outgoing(notices, named) {
  return table(`Sent to peers, newest first (${count(notices.length)})`, [
    ["Peer", (n) => named(n.peer_id)],
    ["Kind", (n) => kind(n.kind)],
    ["Filing", (n) => filingLink(n.filing_id)],
    ["Flagged", (n) => h("span", { class: "nowrap" }, timestamp(n.flagged_at))],
    ["Status", (n) => tone(n.status)],
    ["Acknowledged", (n) => h("span", { class: "nowrap" }, timestamp(n.acknowledged_at))],
    ["Attempts", (n) => count(n.attempts), { number: true }],
    ["Last error", (n) => problem(n.last_error)],
  ], notices, "Nothing has been sent to a peer.");
}

/** What the peer disclosed of its filing: the fields it let us see (the envelope, which names
 * the filing, fills the other columns). */
function disclosed(notice) {
  const { envelope, ...fields } = notice.content ?? {};
  if (!Object.keys(fields).length) return "no field disclosed";
  return h("details", { class: "disclosure" }, h("summary", {}, "What it disclosed"), facts(fields));
}

function incoming(notices, named) {
  return table(`Received from peers, newest first (${count(notices.length)})`, [
    ["Peer", (n) => named(n.peer_id, n.origin)],
    ["Kind", (n) => kind(n.kind)],
    ["Filing in its log", (n) => h("code", {}, n.filing_id)],
    ["Filed there", (n) => h("span", { class: "nowrap" }, timestamp(n.content?.envelope?.filed_at))],
    ["Received", (n) => h("span", { class: "nowrap" }, timestamp(n.received_at))],
    ["Filed here as", (n) => filingLink(n.id)],
    ["Content", disclosed],
  ], notices, "Nothing has been received from a peer.");
}

function refusals(refused, named) {
  return [
    h("h2", {}, "Refused notices"),
    h("p", {}, "Notices this installation would not file, with the reason. A notice whose proof or filing is false also flags its peer: nothing more is accepted from it until a supervisor clears the flag."),
    newest(refused, "refused"),
    table(`Refused, newest first (${count(refused.length)})`, [
      ["When", (r) => h("span", { class: "nowrap" }, timestamp(r.at))],
      ["From", (r) => (r.peer_id || r.origin ? named(r.peer_id, r.origin) : "an unknown sender")],
      ["Notice", (r) => (r.notice_id ? h("code", {}, r.notice_id) : "—")],
      ["Reason", (r) => REASONS[r.reason] ?? label(r.reason)],
      ["Detail", (r) => h("span", { class: "wrap-anywhere" }, r.detail)],
    ], refused, "No notice has been refused."),
  ];
}

/** Said above a list the API cut at the limit asked for. */
function newest(list, what) {
  return list.length === LIMIT ? h("p", { class: "notice" }, `Only the newest ${count(LIMIT)} ${what} are shown.`) : null;
}

export async function federationPage({ api }) {
  const [own, statuses, sent, received, refused] = await Promise.all([
    api("/v1/federation/identity"),
    api("/v1/federation/status"),
    api(`/v1/federation/outbox?limit=${LIMIT}`),
    api(`/v1/federation/inbox?limit=${LIMIT}`),
    api(`/v1/federation/refusals?limit=${LIMIT}`),
  ]);
  const names = new Map(statuses.map((status) => [status.peer.id, status.peer.name]));
  const named = (id, origin) => names.get(id) ?? origin ?? id;
  return [
    h("h1", {}, "Federation"),
    h("p", {}, "Other Custos installations this one exchanges notices with: each witnesses the other's log, and the filings within the scope granted to a peer are sent to it until it acknowledges them with a signed receipt. Times are in UTC."),
    ...(await identity(own)),
    ...peers(statuses),
    h("h2", {}, "Notices"),
    newest(sent, "sent"),
    outgoing(sent, named),
    newest(received, "received"),
    incoming(received, named),
    ...refusals(refused, named),
  ].filter(Boolean);
}
