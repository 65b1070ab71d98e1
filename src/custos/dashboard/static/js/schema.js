// The API's own enumerations, read from its OpenAPI document, so forms never drift from the API.
let document_ = null;

function openapi(api) {
  document_ ??= api("/openapi.json");
  return document_;
}

function enumIn(schema) {
  return schema?.enum ?? (schema?.anyOf ?? []).flatMap((part) => part.enum ?? []);
}

/** The values a query parameter of a GET route accepts, with "" (any) first. */
export async function parameterChoices(api, path, name) {
  const parameters = (await openapi(api)).paths[path]?.get?.parameters ?? [];
  const parameter = parameters.find((candidate) => candidate.name === name);
  let schema = parameter?.schema;
  if (schema?.$ref || schema?.anyOf?.some((part) => part.$ref)) {
    const ref = schema.$ref ?? schema.anyOf.find((part) => part.$ref).$ref;
    schema = (await openapi(api)).components.schemas[ref.split("/").at(-1)];
  }
  return ["", ...enumIn(schema)];
}

// Words for the API's values, for people. The API speaks in identifiers; the pages show these.
const LABELS = {
  // accessibility
  open_weights_unrestricted: "Open weights, unrestricted",
  open_weights_restricted: "Open weights, restricted use",
  open_weights_non_commercial: "Open weights, non-commercial",
  api: "API access",
  hosted: "Hosted service",
  unreleased: "Unreleased",
  unknown: "Unknown",
  // sectors
  critical_infrastructure: "Critical infrastructure",
  essential_services: "Essential services",
  law_enforcement: "Law enforcement",
  justice_and_democracy: "Justice and democracy",
  telecoms: "Telecommunications",
  // deadlines
  calendar_days: "calendar days",
  working_days: "working days",
  // model sorts
  compute: "Largest training compute first",
  newest: "Newest first",
  name: "By name",
};

/** A value of the API in words: a known label, or the identifier with its underscores as spaces. */
export function label(value) {
  if (value === null || value === undefined || value === "") return "—";
  const text = String(value);
  return LABELS[text] ?? text.replaceAll("_", " ").replace(/^./, (first) => first.toUpperCase());
}
