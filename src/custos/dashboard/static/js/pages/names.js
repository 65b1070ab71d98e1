// Organisation and model names for ids shown on a page, fetched once each and remembered.
const cache = new Map();

async function lookup(api, kind, id) {
  const key = `${kind}/${id}`;
  if (!cache.has(key)) {
    cache.set(key, api(`/v1/${kind}/${encodeURIComponent(id)}`).then((item) => item.name ?? id).catch(() => id));
  }
  return cache.get(key);
}

/** A map from each id to its name (the id itself when the viewer may not see the name). */
export async function names(api, kind, ids) {
  const unique = [...new Set(ids.filter(Boolean))];
  const found = await Promise.all(unique.map((id) => lookup(api, kind, id)));
  return new Map(unique.map((id, k) => [id, found[k]]));
}
