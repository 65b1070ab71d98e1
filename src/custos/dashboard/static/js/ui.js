// Small DOM helpers. Data only ever enters the page as text (textContent), never as markup.
import * as format from "./format.js";

/** Build an element: h("a", {href: "#/x"}, "text", child, ...). */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(element.dataset, value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

// Figures go through format.js, so every page writes them the same way (and as the Python side
// does). These names stay for the pages that import them from here.
export { percent, timestamp as when } from "./format.js";

/** A plain figure, whole by default (a count): 1,871; 1.812 with three digits. */
export function number(value, digits = 0) {
  return format.number(value, digits);
}

/** An amount with its currency and scale (EUR 1.77 bn); without a currency, the scaled figure alone. */
export function money(amount, currency) {
  return currency ? format.money(amount, currency) : format.money(amount, "").trim();
}

export function badge(status) {
  return h("span", { class: `badge status-${status}` }, status);
}

/** A table from rows; a column is [label, row => cell, {number: true}]. */
export function table(caption, columns, rows, empty = "Nothing to show.") {
  if (!rows.length) return h("p", {}, empty);
  return h(
    "table",
    {},
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, columns.map(([label, , options]) =>
      h("th", { scope: "col", class: options?.number ? "number" : null }, label)))),
    h("tbody", {}, rows.map((row) => h("tr", {}, columns.map(([, cell, options]) =>
      h("td", { class: options?.number ? "number" : null }, cell(row)))))),
  );
}

export function tile(label, figure, id) {
  return h("div", { class: "tile", id }, h("span", { class: "label" }, label), h("span", { class: "figure" }, figure));
}

let fieldCount = 0;

/** A labelled control with a place for its error message, tied together for assistive technology. */
export function field(label, control, hint) {
  fieldCount += 1;
  const id = control.id || `field-${fieldCount}`;
  control.id = id;
  const error = h("span", { class: "error-text", id: `${id}-error`, role: "alert" });
  control.setAttribute("aria-describedby", `${id}-error`);
  const wrapper = h("div", { class: "field" }, h("label", { for: id }, label), control, hint ? h("small", {}, hint) : null, error);
  wrapper.showError = (message) => {
    error.textContent = message || "";
    if (message) {
      wrapper.dataset.invalid = "";
      control.setAttribute("aria-invalid", "true");
    } else {
      delete wrapper.dataset.invalid;
      control.removeAttribute("aria-invalid");
    }
  };
  return wrapper;
}

export function notice(text, kind = "") {
  return h("p", { class: `notice ${kind}`, role: kind === "bad" ? "alert" : "status" }, text);
}

/** What went wrong, in words (an API problem, or a network failure). */
export function failure(error) {
  return notice(`${error.message}${error.status ? ` (HTTP ${error.status})` : ""}`, "bad");
}

/** A fetched image (SVG or PNG) shown through a blob URL, so it can carry no script. */
export function image(blob, alt) {
  const img = h("img", { alt });
  img.src = URL.createObjectURL(blob);
  return img;
}

function label(key) {
  return key.replaceAll("_", " ").replace(/^./, (first) => first.toUpperCase());
}

function value(item) {
  if (item === null || item === undefined || item === "") return "—";
  if (Array.isArray(item)) {
    if (item.every((entry) => typeof entry !== "object" || entry === null)) return item.join(", ") || "—";
    return h("ol", {}, item.map((entry) => h("li", {}, value(entry))));
  }
  if (typeof item === "object") return facts(item);
  if (typeof item === "number" && Math.abs(item) >= 1e6) return format.scientific(item);
  return String(item);
}

/** A definition list of an object's fields, nested objects as nested lists. */
export function facts(object, skip = []) {
  const entries = Object.entries(object).filter(([key]) => !skip.includes(key));
  return h("dl", { class: "facts" }, entries.flatMap(([key, item]) => [h("dt", {}, label(key)), h("dd", {}, value(item))]));
}

