// Ledger: the signed checkpoint checked in this browser, and any filing's inclusion proof.
import { openCheckpoint, verifyFiling, VerificationError } from "../../verify.js";
import { count } from "../format.js";
import { facts, field, h, notice } from "../ui.js";

function disclosed(view) {
  const fields = Object.fromEntries(Object.entries(view.disclosed ?? {}).map(([key, item]) => [key, item.value]));
  return facts(fields);
}

async function checkFiling(api, id, key, output) {
  output.replaceChildren(h("p", { role: "status" }, "Checking…"));
  let response;
  try {
    response = await api(`/v1/filings/${encodeURIComponent(id)}`);
  } catch (error) {
    output.replaceChildren(notice(`No such filing: ${error.message}`, "bad"));
    return;
  }
  try {
    const result = await verifyFiling(response, key);
    output.replaceChildren(
      notice(`Verified in this browser: filing ${id} is entry ${result.index} of the log, included under the checkpoint of size ${result.size} signed by ${result.origin}.`, "good"),
      h("h3", {}, `${response.view.envelope?.kind ?? "Filing"}: what you may see`), disclosed(response.view),
      ...(response.view.withheld?.length
        ? [h("p", { class: "withheld" }, `${response.view.withheld.length} field(s) withheld from you: committed in the log, not shown.`)]
        : []),
    );
  } catch (error) {
    const why = error instanceof VerificationError ? "The proof does not verify" : "This browser cannot check proofs";
    output.replaceChildren(notice(`${why}: ${error.message}`, "bad"));
  }
}

export async function ledgerPage({ params, api }) {
  const status = await api("/v1/ledger/status");
  const note = await api("/checkpoint", { as: "text" }).catch(() => null);
  const sections = [h("h1", {}, "Ledger"), h("section", { class: "tiles", "aria-label": "Log" },
    h("div", { class: "tile" }, h("span", { class: "label" }, "Entries"), h("span", { class: "figure", id: "ledger-size" }, count(status.size))),
    h("div", { class: "tile" }, h("span", { class: "label" }, "Covered by the latest checkpoint"), h("span", { class: "figure" }, count(status.checkpoint_size))))];
  sections.push(h("h2", {}, "Signed checkpoint"), h("p", {}, "The log's key: ", h("code", { id: "log-key" }, status.log_key),
    ". Compare it with the key the authority publishes elsewhere: a check against a key taken from this server only shows the server agrees with itself."));
  const verdict = h("div", { id: "checkpoint-verdict" });
  if (note) {
    sections.push(h("pre", { class: "note" }, note), verdict);
    try {
      const checkpoint = await openCheckpoint(note, status.log_key);
      verdict.replaceChildren(notice(`Signature verified in this browser: ${checkpoint.origin} at size ${checkpoint.size}.`, "good"));
    } catch (error) {
      verdict.replaceChildren(notice(`The checkpoint does not verify: ${error.message}`, "bad"));
    }
  } else sections.push(h("p", {}, "No checkpoint has been signed yet."));
  const input = h("input", { name: "filing", value: params.get("filing") ?? "", size: 32, autocomplete: "off", spellcheck: "false" });
  const filingField = field("Filing id", input, "Any filing you were shown, for example in a passport's history.");
  const output = h("div", { id: "proof-result", "aria-live": "polite" });
  const form = h("form", { class: "inline", id: "check-filing", "aria-label": "Check a filing", onsubmit: (event) => {
    event.preventDefault();
    const id = input.value.trim();
    if (!/^[0-9A-Za-z]{10,64}$/.test(id)) {
      filingField.showError("A filing id is 10 to 64 letters and digits.");
      input.focus();
      return;
    }
    filingField.showError("");
    checkFiling(api, id, status.log_key, output);
  } }, filingField, h("button", { type: "submit" }, "Check its inclusion proof"));
  sections.push(h("h2", {}, "Check that a filing is in the log"), form, output);
  if (params.get("filing")) checkFiling(api, params.get("filing"), status.log_key, output);
  return sections;
}
