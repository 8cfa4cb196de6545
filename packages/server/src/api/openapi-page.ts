/**
 * GET /api/docs: the OpenAPI document as one plain HTML page (no scripts, no external assets, so it
 * works offline and under the API's Content-Security-Policy): per tag, every operation with its
 * description, permission, parameters and responses (errors included).
 */

interface Parameter { name: string; in: string; required?: boolean; description?: string; schema?: { default?: unknown } }
interface Operation {
  description?: string
  summary?: string
  tags?: string[]
  parameters?: Parameter[]
  requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, { description?: string; type?: string }>; required?: string[] } }> }
  responses?: Record<string, { description?: string }>
  'x-permission'?: string[]
}
export interface OpenApiDocument {
  info: { title: string; version: string; description?: string }
  paths: Record<string, Record<string, Operation>>
}

const esc = (s: unknown): string => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
/** `code` spans in descriptions become <code>. */
const text = (s: unknown): string => esc(s).replace(/`([^`]+)`/g, '<code>$1</code>').replace(/\n\n/g, '<br>')

function operationHtml(method: string, path: string, op: Operation): string {
  const id = `${method}-${path}`.replace(/[^\w-]+/g, '-')
  const rows: string[] = []
  for (const p of op.parameters ?? []) {
    const dflt = p.schema?.default !== undefined ? ` (default <code>${esc(p.schema.default)}</code>)` : ''
    rows.push(`<tr><td><code>${esc(p.name)}</code></td><td>${esc(p.in)}</td><td>${p.required ? 'yes' : ''}</td><td>${text(p.description)}${dflt}</td></tr>`)
  }
  for (const [type, media] of Object.entries(op.requestBody?.content ?? {})) {
    const required = new Set(media.schema?.required ?? [])
    for (const [name, prop] of Object.entries(media.schema?.properties ?? {})) {
      rows.push(`<tr><td><code>${esc(name)}</code></td><td>body (${esc(type)})</td><td>${required.has(name) ? 'yes' : ''}</td><td>${text(prop.description ?? prop.type)}</td></tr>`)
    }
  }
  const params = rows.length
    ? `<table><thead><tr><th>parameter</th><th>in</th><th>required</th><th>meaning</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
    : '<p>No parameters.</p>'
  const responses = Object.entries(op.responses ?? {})
    .map(([status, r]) => `<tr><td>${esc(status)}</td><td>${text(r.description)}</td></tr>`).join('')
  return `<section id="${esc(id)}"><h3><code>${esc(method.toUpperCase())} ${esc(path)}</code></h3>
<p>${text(op.description ?? op.summary ?? '')}</p>
${params}
<table><thead><tr><th>status</th><th>answer</th></tr></thead><tbody>${responses}</tbody></table></section>`
}

/** The whole page, grouped by the first tag of each operation. */
export function renderApiDocs(doc: OpenApiDocument): string {
  const byTag = new Map<string, string[]>()
  const index: string[] = []
  for (const [path, methods] of Object.entries(doc.paths).sort(([a], [b]) => a.localeCompare(b))) {
    for (const [method, op] of Object.entries(methods)) {
      const tag = op.tags?.[0] ?? 'other'
      if (!byTag.has(tag)) byTag.set(tag, [])
      byTag.get(tag)!.push(operationHtml(method, path, op))
      index.push(`<li><a href="#${esc(`${method}-${path}`.replace(/[^\w-]+/g, '-'))}"><code>${esc(method.toUpperCase())} ${esc(path)}</code></a></li>`)
    }
  }
  const sections = [...byTag.entries()].sort(([a], [b]) => a.localeCompare(b))
    .map(([tag, ops]) => `<h2>${esc(tag)}</h2>\n${ops.join('\n')}`).join('\n')
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(doc.info.title)} ${esc(doc.info.version)}</title></head>
<body>
<h1>${esc(doc.info.title)} <small>${esc(doc.info.version)}</small></h1>
<p>${text(doc.info.description)}</p>
<p>Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1).</p>
<ul>${index.join('')}</ul>
${sections}
</body></html>
`
}
