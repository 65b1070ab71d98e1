// Charts drawn in the browser from the Vega-Lite specifications the API serves, with the Vega
// builds vendored under /static/vendor (see its README). The report's images are rendered from
// the same specifications on the server, so a chart reads the same on the page and on paper.
//
// The page's Content-Security-Policy forbids `new Function`, which Vega's usual expression
// compiler relies on: `ast: true` makes Vega keep expressions as syntax trees, evaluated by the
// CSP-safe vega-interpreter that vega-embed carries. Vega-embed's and vega-tooltip's own
// stylesheets would be inline <style> elements, also forbidden: app.css styles both instead.

import { failure, h } from "./ui.js";

let loaded;

/** Vega, Vega-Lite and vega-embed, loaded once and only by pages that draw charts. */
function vegaEmbed() {
  // The builds are UMD: run as modules, each sets its global (vega, vegaLite, vegaEmbed) and the
  // next one reads it, so they load in order.
  loaded ??= (async () => {
    await import("../vendor/vega.min.js");
    await import("../vendor/vega-lite.min.js");
    await import("../vendor/vega-embed.min.js");
    return globalThis.vegaEmbed;
  })().catch((error) => {
    loaded = undefined;
    throw error;
  });
  return loaded;
}

const OPTIONS = {
  ast: true,
  actions: false,
  defaultStyle: false,
  renderer: "svg",
  tooltip: { disableDefaultStyle: true },
};

/** Draw `spec` into `container`; resolves once the chart is on the page. */
export async function drawChart(container, spec) {
  const embed = await vegaEmbed();
  const { view } = await embed(container, spec, OPTIONS);
  return view;
}

/** A chart's place on the page, drawn once it is laid out (a chart as wide as its container needs
 * the container laid out): busy until then, the error in its place if drawing fails. */
export function chartPlace(id, spec) {
  const place = h("div", { class: "chart", id, "aria-busy": "true" }, "Drawing…");
  const draw = async () => {
    if (!place.isConnected) return;
    try {
      place.replaceChildren();
      await drawChart(place, spec);
    } catch (error) {
      place.replaceChildren(failure(error));
    } finally {
      place.removeAttribute("aria-busy");
    }
  };
  setTimeout(draw, 0);
  return place;
}
