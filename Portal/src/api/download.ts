// Downloads an export (XLSX/CSV) with the session token and saves it under the server's file name.
import { fetchBlob, withQuery, authHeaders } from './client'
import { ApiError } from './problem'

function fileNameOf(disposition: string | null, fallback: string): string {
  if (!disposition) return fallback
  const star = /filename\*=UTF-8''([^;]+)/i.exec(disposition)
  if (star) return decodeURIComponent(star[1]!)
  const plain = /filename="?([^";]+)"?/i.exec(disposition)
  return plain ? plain[1]! : fallback
}

export type ExportFormat = 'xlsx' | 'csv'

/** GET `path` with `format` and the filters, then hand the file to the browser. */
export async function downloadExport(path: string, query: Record<string, string | number | boolean | null | undefined>,
  format: ExportFormat, fallbackName: string): Promise<void> {
  const url = withQuery(path, { ...query, format, page: undefined, pageSize: undefined })
  let resp: Response
  try {
    resp = await fetch(url, { headers: authHeaders() })
  } catch (e) {
    throw ApiError.network(e)
  }
  if (!resp.ok) {
    let body: unknown = null
    try { body = await resp.json() } catch { /* not JSON */ }
    throw ApiError.from(resp.status, body)
  }
  const blob = await resp.blob()
  const name = fileNameOf(resp.headers.get('Content-Disposition'), `${fallbackName}.${format}`)
  const href = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = href
  a.download = name
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(href), 10_000)
}

export { fetchBlob }
