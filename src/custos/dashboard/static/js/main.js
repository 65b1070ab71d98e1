// The dashboard's shell: who is signed in, which pages they may open, and the hash router.
import { api, ApiError, portal, setToken, token, whoAmI } from "./api.js";
import { failure, field, h, notice } from "./ui.js";
import { overviewPage } from "./pages/overview.js";
import { registryPage } from "./pages/registry.js";
import { modelPage } from "./pages/model.js";
import { obligationsPage } from "./pages/obligations.js";
import { licencePage, licencesPage } from "./pages/licences.js";
import { stressPage, stressRunPage } from "./pages/stress.js";
import { ledgerPage } from "./pages/ledger.js";

// [hash prefix, nav label or null, permission needed, page]
const PAGES = [
  ["overview", "Overview", "registry:registry:read", overviewPage],
  ["registry", "Registry", "registry:registry:read", registryPage],
  ["models", null, "registry:registry:read", modelPage],
  ["obligations", "Obligations", "policy:obligations:read", obligationsPage],
  ["licences", "Licences", "licensing:licences:read", licencesPage],
  ["licence", null, "licensing:licences:read", licencePage],
  ["stress", "Stress tests", "risk:runs:read", stressPage],
  ["stress-run", null, "risk:runs:read", stressRunPage],
  ["ledger", "Ledger", "ledger:log:read", ledgerPage],
];

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

function renderNav() {
  const nav = document.getElementById("nav");
  const current = route().name;
  nav.replaceChildren(
    ...PAGES.filter(([, label, permission]) => label && visitor.permissions.includes(permission)).map(([name, label]) =>
      h("li", {}, h("a", { href: `#/${name}`, "aria-current": name === current ? "page" : null }, label))),
  );
}

function renderSession() {
  const session = document.getElementById("session");
  document.getElementById("mode-label").textContent = portal ? "public portal" : "";
  if (portal) {
    session.replaceChildren(h("span", {}, "Public fields only. No sign-in."));
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
  const form = h("form", { class: "inline", id: "sign-in", onsubmit: async (event) => {
    event.preventDefault();
    if (!input.value.trim().startsWith("custos_")) {
      tokenField.showError("An API token starts with custos_.");
      input.focus();
      return;
    }
    const ok = await signIn(input.value.trim());
    if (!ok) {
      tokenField.showError("This token is unknown or revoked.");
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
  return true;
}

async function show() {
  const main = document.getElementById("main");
  const { name, id, params } = route();
  renderNav();
  const page = PAGES.find(([prefix]) => prefix === name);
  if (!page) {
    main.replaceChildren(h("h1", {}, "Not found"), h("p", {}, "There is no such page."));
    return;
  }
  const [, , permission, render] = page;
  if (!visitor.permissions.includes(permission)) {
    main.replaceChildren(h("h1", {}, "Sign in to see this page"),
      notice(portal ? "The public portal shows the registry and the ledger." : "Your role cannot open this page."));
    return;
  }
  main.replaceChildren(h("p", { role: "status" }, "Loading…"));
  try {
    const content = await render({ id, params, visitor, api });
    main.replaceChildren(...[content].flat());
  } catch (error) {
    main.replaceChildren(h("h1", {}, "Something went wrong"), failure(error));
  }
  const heading = main.querySelector("h1");
  if (heading) document.title = `${heading.textContent} · Custos`;
}

window.addEventListener("hashchange", () => show());
visitor = await whoAmI().catch(() => { setToken(null); return whoAmI(); });
renderSession();
await show();
