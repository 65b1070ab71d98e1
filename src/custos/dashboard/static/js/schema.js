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
