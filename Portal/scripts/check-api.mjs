// Fails when src/api/schema.d.ts is not what openapi-typescript generates from src/api/openapi.json (the
// ControlPlane's OpenAPI document, itself checked against the running service by the ControlPlane tests:
// OpenApiDocumentTests). Fix: `npm run gen:api`.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const dir = mkdtempSync(join(tmpdir(), 'portal-api-'))
const out = join(dir, 'schema.d.ts')
const cli = join('node_modules', 'openapi-typescript', 'bin', 'cli.js')
const r = spawnSync(process.execPath, [cli, 'src/api/openapi.json', '-o', out], { encoding: 'utf8' })
if (r.status !== 0) {
  console.error(r.stdout, r.stderr)
  process.exit(1)
}
const fresh = readFileSync(out, 'utf8')
rmSync(dir, { recursive: true, force: true })
const committed = readFileSync('src/api/schema.d.ts', 'utf8')
if (fresh !== committed) {
  console.error('check:api: src/api/schema.d.ts is stale against src/api/openapi.json. Run `npm run gen:api` and commit it.')
  process.exit(1)
}
console.log('check:api: API types match the OpenAPI document')
