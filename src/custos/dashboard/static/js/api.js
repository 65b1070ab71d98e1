// The API as the visitor: with their token on the dashboard, with none on the public portal.
export const portal = document.body.dataset.mode === "portal";
const KEY = "custos.token";

/** An error answer of the API: its status and the problem document's reason. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

export function token() {
  return portal ? null : sessionStorage.getItem(KEY);
}

export function setToken(value) {
  if (value) sessionStorage.setItem(KEY, value);
  else sessionStorage.removeItem(KEY);
}

/** Fetch ``path`` from the API; JSON by default, ``as: "text"`` or ``"blob"`` otherwise. */
export async function api(path, { method = "GET", body, as = "json" } = {}) {
  const headers = {};
  const bearer = token();
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!response.ok) {
    let problem = null;
    try { problem = await response.json(); } catch { /* not JSON */ }
    throw new ApiError(response.status, problem);
  }
  if (as === "text") return response.text();
  if (as === "blob") return response.blob();
  return response.json();
}

/** What a visitor without a token may do, as the server declares it in the page. */
const PUBLIC_PERMISSIONS = (document.body.dataset.publicPermissions ?? "").split(" ").filter(Boolean);

/** The signed-in actor with its permissions, or the public with the permissions the server gives it. */
export async function whoAmI() {
  if (!token()) return { name: "the public", role: "public", permissions: PUBLIC_PERMISSIONS };
  return api("/v1/me");
}
