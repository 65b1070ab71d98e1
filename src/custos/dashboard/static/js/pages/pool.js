// Pool: the liability pool as a fund with its own account. Its balance and totals (summed from the
// filings on each read, never stored) are for everyone, its balance over time for supervisors only
// (on a day one firm paid, the step is that firm's amount); the calls (called, paid,
// late, interest) are each firm's own and the supervisors'; claims and payouts (admitted, paid,
// the pro rata share, what is still unpaid) are each claimant's own, with every payout's total
// and share public; the subrogations and what they recovered are the firm's and the supervisors'.
import { chartPlace } from "../charts.js";
import { MISSING, cents, count, money, percent } from "../format.js";
import { h, table, tile } from "../ui.js";

const KINDS = {
  "pool.contribution_paid": "Contribution paid",
  "pool.payout_made": "Payout",
  "pool.recovery_received": "Recovery",
};

// A sum a firm pays or is paid, exact to the cent (EUR 69,292.83): scaled, it would read as a wrong sum.
const cash = (amount, currency) => (amount === null || amount === undefined ? MISSING : cents(amount, currency ?? ""));
// A figure of the whole fund: its readable scale from a million up (EUR 1.77 bn), the exact sum beneath.
const aggregate = (amount, currency) => (Math.abs(Number(amount)) < 1e6 ? cash(amount, currency)
  : h("span", { title: cash(amount, currency) }, money(amount, currency ?? "")));

function badge(text, shade) {
  return h("span", { class: `badge status-${shade}` }, text);
}

/** The balance at the end of each day something moved, as a step line. */
function balanceSpec(balance) {
  const currency = balance.currency ?? "";
  const values = balance.series.map((point) => ({ on: point.on, balance: Number(point.balance), figure: money(point.balance, currency) }));
  const x = { field: "on", type: "temporal", title: "Day", axis: { format: "%Y-%m-%d", labelAngle: 0 } };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    description: `The fund's balance at the end of each of the ${values.length} days on which money moved, in ${currency}.`,
    config: { font: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", view: { stroke: null },
      axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 600, labelColor: "#1b1b1b", titleColor: "#1b1b1b" } },
    width: "container",
    height: 220,
    autosize: { type: "fit-x", contains: "padding" },
    data: { values },
    mark: { type: "line", interpolate: "step-after", color: "#1d4f91", point: { filled: true, size: 50 } },
    encoding: {
      x,
      y: { field: "balance", type: "quantitative", title: `Balance (${currency})`, axis: { format: "~s" } },
      tooltip: [{ field: "on", type: "temporal", title: "Day", format: "%Y-%m-%d" }, { field: "figure", title: "Balance" }],
    },
  };
}

function fund(balance) {
  const currency = balance.currency ?? "";
  return [
    h("section", { class: "tiles", "aria-label": "The fund" },
      tile("Balance", aggregate(balance.balance, currency), "pool-balance"),
      tile("Called", aggregate(balance.called, currency), "pool-called"),
      tile("Contributions paid", aggregate(balance.principal_paid, currency), "pool-paid"),
      tile("Late interest paid", aggregate(balance.interest_paid, currency), "pool-interest"),
      tile("Claims paid", aggregate(balance.paid_out, currency), "pool-paid-out"),
      tile("Recovered", aggregate(balance.recovered, currency), "pool-recovered")),
    balance.series === undefined
      ? h("p", { id: "pool-series-withheld" }, "The balance over time is shown to supervisors only: on a day one firm paid, its step would be that firm's amount. The totals above are everyone's.")
      : balance.series.length
        ? h("figure", { class: "wide", tabindex: "0" }, chartPlace("pool-balance-chart", balanceSpec(balance)),
          h("figcaption", {}, `The fund's balance at the end of each day money moved, in ${currency}: payments and recoveries in, payouts out.`))
        : h("p", {}, "No money has moved yet."),
    h("details", {}, h("summary", {}, `The ${count(balance.rests_on.length)} filings the balance rests on`),
      table("Filings the balance rests on, with their positions in the log", [
        ["Filing", (m) => h("a", { href: `#/ledger?filing=${encodeURIComponent(m.filing_id)}` }, m.filing_id)],
        ["Log index", (m) => count(m.index), { number: true }],
        ["Kind", (m) => KINDS[m.kind] ?? m.kind],
        ["Day", (m) => m.on ?? h("span", { class: "withheld" }, "withheld")],
        ["Amount", (m) => (m.amount === undefined ? h("span", { class: "withheld" }, "withheld") : cash(m.amount, currency)), { number: true }],
      ], balance.rests_on)),
  ];
}

function callStatus(call) {
  if (!call.status) return MISSING;
  const shade = { paid: "granted", open: "open", overdue: "overdue" }[call.status];
  return h("span", {}, badge(call.status, shade), call.late && call.status === "paid" ? " (late)" : "");
}

function calls(found) {
  return [
    h("h2", {}, "Contribution calls"),
    table(`Calls (${count(found.length)})`, [
      ["Firm", (c) => c.organisation],
      ["Run", (c) => c.run_id],
      ["Due", (c) => c.due_on],
      ["Called", (c) => cash(c.amount, c.currency), { number: true }],
      ["Paid", (c) => cash(c.paid, c.currency), { number: true }],
      ["Interest paid", (c) => cash(c.interest_paid, c.currency), { number: true }],
      ["Still owed", (c) => cash(c.principal_outstanding, c.currency), { number: true }],
      ["Interest owed", (c) => cash(c.interest_outstanding, c.currency), { number: true }],
      ["Overpaid", (c) => cash(c.overpaid, c.currency), { number: true }],
      ["Status", callStatus],
    ], found, "No call to show: a firm sees its own calls, supervisors all."),
    found.length ? h("p", {}, `Late interest: ${percent(found[0].late_interest_rate)} a year, simple, per calendar day (actual/365) from the day after the due date; a payment settles interest first, then the principal.`) : null,
  ];
}

function claims(found) {
  return [
    h("h2", {}, "Claims"),
    table(`Claims (${count(found.length)})`, [
      ["Claimant", (c) => c.claimant ?? c.organisation],
      ["Incident", (c) => h("a", { href: `#/incident/${encodeURIComponent(c.incident_id)}` }, c.incident_id)],
      ["Status", (c) => badge(c.status, { filed: "open", admitted: "granted", rejected: "overdue" }[c.status])],
      ["Claimed", (c) => cash(c.amount, c.currency), { number: true }],
      ["Admitted", (c) => cash(c.admitted, c.currency), { number: true }],
      ["Paid", (c) => cash(c.paid, c.currency), { number: true }],
      ["Pro rata share", (c) => (c.payments?.length ? c.payments.map((p) => percent(p.share)).join(", ") : MISSING), { number: true }],
      ["Unpaid", (c) => cash(c.unpaid, c.currency), { number: true }],
    ], found, "No claim to show: a claimant sees its own claims, supervisors all."),
  ];
}

function payouts(found) {
  return [
    h("h2", {}, "Payouts"),
    table(`Payouts (${count(found.length)})`, [
      ["Incident", (p) => h("a", { href: `#/incident/${encodeURIComponent(p.incident_id)}` }, p.incident_id)],
      ["Paid on", (p) => p.paid_on],
      ["Owed", (p) => cash(p.owed, p.currency), { number: true }],
      ["Paid", (p) => cash(p.total, p.currency), { number: true }],
      ["Share", (p) => percent(p.share), { number: true }],
      ["Unpaid", (p) => cash(p.unpaid, p.currency), { number: true }],
    ], found, "The fund has paid no claim."),
    h("p", {}, "When the fund holds less than the admitted claims are owed, each is paid the same share: what the fund holds over what is owed, rounded down to the cent."),
  ];
}

function subrogations(found) {
  return [
    h("h2", {}, "Subrogation"),
    table(`The fund's claims against responsible firms (${count(found.length)})`, [
      ["Firm", (s) => s.organisation],
      ["Incident", (s) => s.incident_id],
      ["Claimed", (s) => cash(s.amount, s.currency), { number: true }],
      ["Recovered", (s) => cash(s.recovered, s.currency), { number: true }],
      ["Outstanding", (s) => cash(s.outstanding, s.currency), { number: true }],
    ], found, "No subrogation to show: a firm sees those against it, supervisors all; the public sees the total recovered above."),
  ];
}

export async function poolPage({ api }) {
  const [balance, callList, claimList, payoutList, subrogationList] = await Promise.all([
    api("/v1/pool/balance"),
    api("/v1/pool/calls"),
    api("/v1/pool/claims"),
    api("/v1/pool/payouts"),
    api("/v1/pool/subrogations"),
  ]);
  return [
    h("h1", {}, "Liability pool"),
    h("p", {}, "A fund with its own account: contributions called from stress tests, claims paid for incidents, and what the fund recovers from the firms responsible. The balance is summed from the filings on the log each time it is shown. Days are in UTC."),
    ...fund(balance),
    ...calls(callList),
    ...claims(claimList),
    ...payouts(payoutList),
    ...subrogations(subrogationList),
  ].filter(Boolean);
}
