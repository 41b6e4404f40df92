// The one typed API client. Types come from the ControlPlane's OpenAPI document (src/api/openapi.json ->
// src/api/schema.d.ts, `npm run gen:api`; `npm run check:api` fails when they are stale), so a renamed field
// or enum value fails the type-check instead of the user.
import createClient, { type Middleware } from 'openapi-fetch'
import type { components, paths } from './schema'
import { ApiError } from './problem'

export type Schemas = components['schemas']
export type { paths }

let tokenSource: () => string | null = () => null
let onUnauthorized: () => void = () => {}

/** Wires the session token and the "session expired" handler (the auth store does it once at start). */
export function configureApi(getToken: () => string | null, unauthorized: () => void): void {
  tokenSource = getToken
  onUnauthorized = unauthorized
}

/** Headers with the session token, for fetches outside the typed client (files, images, streams). */
export function authHeaders(): Record<string, string> {
  const token = tokenSource()
  return token ? { Authorization: `Bearer ${token}` } : {}
}

const auth: Middleware = {
  onRequest({ request }) {
    const token = tokenSource()
    if (token && !request.headers.has('Authorization')) request.headers.set('Authorization', `Bearer ${token}`)
    return request
  },
  onResponse({ request, response }) {
    if (response.status === 401 && !request.url.endsWith('/api/auth/login')) onUnauthorized()
    return response
  },
}

export const api = createClient<paths>({ baseUrl: '' })
api.use(auth)

/**
 * Awaits a typed call and returns its data, or throws an ApiError whose message is Chinese.
 * Usage: `const page = await call(api.GET('/api/meetings', { params: { query } }))`.
 */
export async function call<T>(request: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response }
  try {
    result = await request
  } catch (e) {
    throw ApiError.network(e)
  }
  if (!result.response.ok) throw ApiError.from(result.response.status, result.error)
  return result.data as T
}

/** GETs a binary resource with the session token (images, exports). */
export async function fetchBlob(url: string): Promise<Blob> {
  let resp: Response
  try {
    resp = await fetch(url, { headers: authHeaders() })
  } catch (e) {
    throw ApiError.network(e)
  }
  if (resp.status === 401) onUnauthorized()
  if (!resp.ok) {
    let body: unknown = null
    try { body = await resp.json() } catch { /* not JSON */ }
    throw ApiError.from(resp.status, body)
  }
  return resp.blob()
}

/** Builds "/api/x?a=1&b=2", skipping empty values. */
export function withQuery(path: string, query: Record<string, string | number | boolean | null | undefined>): string {
  const qs = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') qs.set(k, String(v))
  const s = qs.toString()
  return s ? `${path}?${s}` : path
}
