// The dashboard's shell: who is signed in, which pages they may open, and the hash router.
import { api, ApiError, portal, setToken, token, whoAmI } from "./api.js";
import { failure, field, h } from "./ui.js";
import { overviewPage } from "./pages/overview.js";
import { registryPage } from "./pages/registry.js";
import { modelPage } from "./pages/model.js";
import { obligationsPage } from "./pages/obligations.js";
import { licencePage, licencesPage } from "./pages/licences.js";
import { stressPage, stressRunPage } from "./pages/stress.js";
import { ledgerPage } from "./pages/ledger.js";
import { auditorsPage } from "./pages/auditors.js";
import { findingsPage } from "./pages/findings.js";
import { incidentPage, incidentsPage } from "./pages/incidents.js";
import { federationPage } from "./pages/federation.js";
import { escrowPage } from "./pages/escrow.js";
import { provenancePage } from "./pages/provenance.js";
import { marketsPage, mergerPage } from "./pages/markets.js";
import { buffersPage } from "./pages/buffers.js";
import { poolPage } from "./pages/pool.js";
import { monitoringPage } from "./pages/monitoring.js";
import { labourPage } from "./pages/labour.js";

// Every page with the permission it needs. `nav` pages are offered in the navigation to those
// who hold it; the others are reached from a link (a model, a licence, a run). `title` names the
// tab until the page's own heading is known.
const PAGES = [
  { name: "overview", title: "Overview", nav: true, permission: "registry:registry:read", render: overviewPage },
  { name: "registry", title: "Registry", nav: true, permission: "registry:registry:read", render: registryPage },
  { name: "models", title: "Model", permission: "registry:registry:read", render: modelPage },
  { name: "obligations", title: "Obligations", nav: true, permission: "policy:obligations:read", render: obligationsPage },
  { name: "licences", title: "Licences", nav: true, permission: "licensing:licences:read", render: licencesPage },
  { name: "licence", title: "Licence", permission: "licensing:licences:read", render: licencePage },
  { name: "stress", title: "Stress tests", nav: true, permission: "risk:runs:read", render: stressPage },
  { name: "stress-run", title: "Stress test", permission: "risk:runs:read", render: stressRunPage },
  { name: "findings", title: "Findings", nav: true, permission: "assurance:findings:read", render: findingsPage },
  { name: "incidents", title: "Incidents", nav: true, permission: "oversight:incidents:read", render: incidentsPage },
  { name: "incident", title: "Incident", permission: "oversight:incidents:read", render: incidentPage },
  { name: "auditors", title: "Auditors", nav: true, permission: "assurance:audits:read", render: auditorsPage },
  { name: "escrow", title: "Escrow", nav: true, permission: "escrow:deposits:read", render: escrowPage },
  { name: "provenance", title: "Provenance", nav: true, permission: "provenance:audits:read", render: provenancePage },
  { name: "markets", title: "Markets", nav: true, permission: "markets:structure:read", render: marketsPage },
  { name: "merger", title: "Merger review", permission: "markets:structure:read", render: mergerPage },
  { name: "buffers", title: "Buffers", nav: true, permission: "buffers:positions:read", render: buffersPage },
  { name: "pool", title: "Pool", nav: true, permission: "pool:fund:read", render: poolPage },
  { name: "monitoring", title: "Monitoring", nav: true, permission: "monitoring:summaries:read", render: monitoringPage },
  { name: "labour", title: "Labour", nav: true, permission: "labor:runs:read", render: labourPage },
  { name: "federation", title: "Federation", nav: true, permission: "federation:peers:manage", render: federationPage },
  { name: "ledger", title: "Ledger", nav: true, permission: "ledger:log:read", render: ledgerPage },
];
const SITE = portal ? "Custos public portal" : "Custos";

let visitor = null;

function route() {
  const [path, query = ""] = (location.hash.replace(/^#\/?/, "") || "overview").split("?");
  const [name, ...rest] = path.split("/");
  const decode = (part) => {
    try {
      return decodeURIComponent(part);
    } catch {
      return part; // a malformed escape: take the text as it is
    }
  };
  return { name, id: rest.map(decode).join("/"), params: new URLSearchParams(query) };
}

/** The pages the visitor may open and that the navigation offers, in order. */
function openPages() {
  return PAGES.filter((page) => page.nav && visitor.permissions.includes(page.permission));
}

function renderNav() {
  const current = route().name;
  document.getElementById("nav").replaceChildren(...openPages().map((page) =>
    h("li", {}, h("a", { href: `#/${page.name}`, "aria-current": page.name === current ? "page" : null }, page.title))));
}

function renderSession() {
  const session = document.getElementById("session");
  document.getElementById("mode-label").textContent = portal ? "public portal" : "";
  if (portal) {
    session.replaceChildren(h("span", {}, "Public fields only, no sign-in. ", h("a", { href: "/" }, "Sign in on the dashboard")));
    return;
  }
  if (token()) {
    session.replaceChildren(
      h("span", { id: "who" }, `${visitor.name} (${visitor.role})`),
      h("button", { type: "button", class: "secondary", onclick: () => signIn(null) }, "Sign out"),
    );
    return;
  }
  const input = h("input", { type: "password", name: "token", autocomplete: "off", placeholder: "custos_…" });
  const tokenField = field("API token", input);
  const form = h("form", { class: "inline", id: "sign-in", "aria-label": "Sign in", onsubmit: async (event) => {
    event.preventDefault();
    if (!input.value.trim().startsWith("custos_")) {
      tokenField.showError("An API token starts with custos_.");
      input.focus();
      return;
    }
    const ok = await signIn(input.value.trim());
    if (!ok) {
      tokenField.showError("This token is unknown, expired or revoked.");
      input.focus();
    }
  } }, tokenField, h("button", { type: "submit" }, "Sign in"));
  session.replaceChildren(form);
}

async function signIn(value) {
  setToken(value);
  try {
    visitor = await whoAmI();
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401) throw error;
    setToken(null);
    visitor = await whoAmI();
    return false; // the form stays, to show why next to the field
  }
  renderSession();
  await show();
  document.getElementById("main").focus(); // the form that had the focus is gone
  return true;
}

/** Why a page the visitor cannot use is not open to them, and where to go instead. */
function closed(page) {
  const what = `The ${page.title.toLowerCase()} page`;
  let reason;
  if (portal) {
    reason = [`${what} shows what only signed-in roles may read, so the public portal does not offer it. `,
      h("a", { href: `/#/${page.name}` }, "Sign in on the dashboard"), " if you have an API token."];
  } else if (!token()) {
    reason = [`${what} needs a signed-in role: sign in above with your API token to open it.`];
  } else {
    reason = [`Your role cannot open this page: ${what.toLowerCase()} is not for the ${visitor.role} role.`];
  }
  return [h("h1", {}, "This page is not open to you"), h("p", { class: "notice" }, ...reason), ...elsewhere()];
}

function elsewhere() {
  return [h("p", {}, "The pages you can open:"),
    h("ul", {}, openPages().map((page) => h("li", {}, h("a", { href: `#/${page.name}` }, page.title))))];
}

function setTitle(text) {
  document.title = `${text} — ${SITE}`;
}

/** How many pages were asked for: a page whose data arrives after a newer one was asked for is
 * dropped, so a slow answer never replaces the page the visitor went on to. */
let requested = 0;

async function show() {
  const main = document.getElementById("main");
  const { name } = route();
  const request = ++requested;
  main.setAttribute("aria-busy", "true");
  await render(main, () => request === requested);
  if (request !== requested) return;
  main.dataset.route = name; // which page is shown, once it is (the browser tests wait on it)
  main.removeAttribute("aria-busy");
}

async function render(main, current) {
  const { name, id, params } = route();
  renderNav();
  const page = PAGES.find((candidate) => candidate.name === name);
  if (!page) {
    setTitle("Page not found");
    main.replaceChildren(h("h1", {}, "Page not found"), h("p", {}, "There is no such page here."), ...elsewhere());
    return;
  }
  setTitle(page.title);
  if (!visitor.permissions.includes(page.permission)) {
    main.replaceChildren(...closed(page));
    return;
  }
  main.replaceChildren(h("p", { role: "status" }, "Loading…"));
  try {
    const content = await page.render({ id, params, visitor, api });
    if (!current()) return;
    main.replaceChildren(...[content].flat());
  } catch (error) {
    if (!current()) return;
    main.replaceChildren(h("h1", {}, "Something went wrong"), failure(error));
  }
  const heading = main.querySelector("h1");
  if (heading && page.title !== heading.textContent) setTitle(heading.textContent);
}

let scrollRegions = 0;

/** Let a table scroll sideways in a region of its own, named by its caption, that the keyboard can reach. */
function scrollable(table) {
  if (table.parentElement?.classList.contains("table-scroll")) return;
  scrollRegions += 1;
  const caption = table.querySelector(":scope > caption");
  if (caption) caption.id ||= `caption-${scrollRegions}`;
  const region = h("div", { class: "table-scroll", role: "region", tabindex: "0",
    "aria-labelledby": caption ? caption.id : null, "aria-label": caption ? null : "Table" });
  table.replaceWith(region);
  region.append(table);
}

// Pages build their tables as they please; the shell makes every one of them fit a phone.
new MutationObserver(() => document.querySelectorAll("#main table").forEach(scrollable))
  .observe(document.getElementById("main"), { childList: true, subtree: true });

// The skip link moves the focus without touching the hash, which names the page.
document.querySelector(".skip").addEventListener("click", (event) => {
  event.preventDefault();
  document.getElementById("main").focus();
});

window.addEventListener("hashchange", async () => {
  await show();
  document.getElementById("main").focus({ preventScroll: true }); // a new page: reading starts at its top
  window.scrollTo(0, 0);
});
visitor = await whoAmI().catch(() => { setToken(null); return whoAmI(); });
renderSession();
await show();
