// RFC 9725 §4.4 (WHIP) and the WHEP draft: the server may name STUN/TURN servers in `Link` headers,
//   Link: <turn:turn.example.net?transport=udp>; rel="ice-server"; username="u"; credential="p"; credential-type="password"
// (RFC 8288 link syntax). Several servers come as several headers or one comma-separated header.

/** ICE servers named by `rel="ice-server"` links; other links and malformed entries are skipped. */
export function parseIceServerLinks(header: string | null | undefined): RTCIceServer[] {
  if (!header) return []
  const servers: RTCIceServer[] = []
  for (const link of splitLinks(header)) {
    const m = /^\s*<([^>]*)>\s*(.*)$/s.exec(link)
    if (!m) continue
    const url = m[1].trim()
    const params = parseParams(m[2])
    const rels = (params.get('rel') ?? '').toLowerCase().split(/\s+/)
    if (!rels.includes('ice-server') || !/^(stuns?|turns?):/i.test(url)) continue
    const server: RTCIceServer = { urls: url }
    const username = params.get('username')
    const credential = params.get('credential')
    if (username !== undefined) server.username = username
    if (credential !== undefined) server.credential = credential
    servers.push(server)
  }
  return servers
}

// Commas separate links, except inside <...> or quoted strings.
function splitLinks(header: string): string[] {
  const out: string[] = []
  let cur = ''
  let inUri = false
  let inQuote = false
  for (let i = 0; i < header.length; i++) {
    const c = header[i]
    if (inQuote) {
      cur += c
      if (c === '\\' && i + 1 < header.length) cur += header[++i]
      else if (c === '"') inQuote = false
      continue
    }
    if (c === '"') inQuote = true
    else if (c === '<') inUri = true
    else if (c === '>') inUri = false
    else if (c === ',' && !inUri) { out.push(cur); cur = ''; continue }
    cur += c
  }
  if (cur.trim()) out.push(cur)
  return out
}

function parseParams(text: string): Map<string, string> {
  const params = new Map<string, string>()
  const re = /;\s*([A-Za-z0-9!#$&+\-.^_`|~*]+)\s*(?:=\s*(?:"((?:[^"\\]|\\.)*)"|([^;,\s]*)))?/g
  let m: RegExpExecArray | null
  while ((m = re.exec(text)) !== null) {
    const key = m[1].toLowerCase()
    if (params.has(key)) continue // RFC 8288 §3: only the first occurrence of a parameter counts
    params.set(key, m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? ''))
  }
  return params
}
