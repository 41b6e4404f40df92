// Prints the gzip size of the JavaScript each route loads from dist/ (run after `npm run build`):
// the entry chunk plus the route's lazy chunk and everything it imports statically, from Vite's manifest.
import { readFileSync, existsSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { join } from 'node:path'

const dist = 'dist'
const manifestPath = join(dist, '.vite', 'manifest.json')
if (!existsSync(manifestPath)) {
  console.error('route-sizes: dist/.vite/manifest.json missing; run `npm run build` first')
  process.exit(1)
}
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'))
const gz = new Map()
const sizeOf = file => {
  if (!gz.has(file)) gz.set(file, gzipSync(readFileSync(join(dist, file)), { level: 9 }).length)
  return gz.get(file)
}
function closure(key, seen = new Set()) {
  const chunk = manifest[key]
  if (!chunk || seen.has(chunk.file)) return seen
  seen.add(chunk.file)
  for (const imp of chunk.imports ?? []) closure(imp, seen)
  return seen
}
const entryKey = Object.keys(manifest).find(k => manifest[k].isEntry)
const entry = closure(entryKey)
const kb = n => (n / 1024).toFixed(1).padStart(7) + ' kB'
const sum = files => [...files].reduce((a, f) => a + sizeOf(f), 0)
const layoutKey = Object.keys(manifest).find(k => k.endsWith('layout/AppLayout.vue'))
const layout = layoutKey ? closure(layoutKey) : new Set()

console.log(`entry (${entryKey}): ${kb(sum(entry))} gzip`)
const rows = []
for (const [key, chunk] of Object.entries(manifest)) {
  if (!chunk.isDynamicEntry || !key.startsWith('src/views/')) continue
  const files = closure(key, new Set(entry))
  const inLayout = !key.startsWith('src/views/login/')
  if (inLayout) for (const f of layout) files.add(f)
  const base = new Set([...entry, ...(inLayout ? layout : [])])
  const own = sum(closure(key, new Set(base))) - sum(base) // only what this route adds
  rows.push([key.replace('src/views/', ''), sum(files), own])
}
rows.sort((a, b) => a[0].localeCompare(b[0]))
console.log('route view                                 total JS gzip   of which route-only')
for (const [name, total, own] of rows) console.log(`${name.padEnd(42)} ${kb(total)}      ${kb(own)}`)
