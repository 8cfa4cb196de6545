import { useState } from 'react'
import { useMutation, useQueryClient } from '@tanstack/react-query'
import { api, ApiFailure } from '../../api/client.ts'
import { Sparkline } from '../../components/Sparkline/index.tsx'
import type { Preview, Rule } from './model.ts'

/**
 * The rule editor: every kind a person writes (instant, threshold with count / rate / ratio /
 * distinct / percentile / sum, absence, new value, anomaly), the fields that kind needs, and a
 * preview chart of the draft (POST /api/alerts/rules/preview) before it is saved. Opened empty for
 * a new rule, or with a rule to change it (built-in detectors included: PUT /api/alerts/rules/{id}).
 */

export const EDITABLE_KINDS = ['instant', 'threshold', 'absence', 'new_value', 'anomaly'] as const
const AGGREGATES = ['count', 'rate', 'ratio', 'distinct', 'percentile', 'sum'] as const
const KIND_HELP: Record<string, string> = {
  instant: 'every matching record, as it arrives (notified within seconds)',
  threshold: 'an aggregate over a sliding window compared with a threshold',
  absence: 'no matching record for the window (a service went silent)',
  new_value: 'a value of a field not seen in the last days',
  anomaly: 'the count per window outside the expected band (seasonal median/MAD, else EWMA)',
  lost_messages: 'a RabbitMQ publish without a consumer in its trace within the window',
  storage_cap: 'a service at the threshold % of its retention size cap',
}

export interface Draft {
  name: string; kind: string; target: string; query: string; aggregate: string; ratioOf: string; field: string; percentile: string
  op: string; threshold: string; windowSeconds: string; minCount: string; groupBy: string; forSeconds: string; severity: string
  channels: string; newValueDays: string; direction: string; sensitivity: string
}

const EMPTY: Draft = {
  name: '', kind: 'threshold', target: 'logs', query: '', aggregate: 'count', ratioOf: '', field: '', percentile: '99', op: '>=', threshold: '5',
  windowSeconds: '60', minCount: '0', groupBy: 'service', forSeconds: '0', severity: 'warning', channels: '', newValueDays: '7', direction: 'up', sensitivity: '4',
}

function draftOf(r: Rule): Draft {
  return {
    name: r.name, kind: r.kind, target: r.target, query: r.query, aggregate: r.aggregate, ratioOf: r.ratioOf ?? '', field: r.field ?? '',
    percentile: String(r.percentile ?? 99), op: r.op, threshold: String(r.threshold), windowSeconds: String(r.windowSeconds), minCount: String(r.minCount ?? 0),
    groupBy: r.groupBy.join(', '), forSeconds: String(r.for ?? 0), severity: r.severity, channels: r.channels.join(', '), newValueDays: String(r.newValueDays ?? 7),
    direction: r.anomaly?.direction ?? 'up', sensitivity: String(r.anomaly?.sensitivity ?? 4),
  }
}

const list = (s: string): string[] => s.split(',').map((x) => x.trim()).filter(Boolean)
const needsField = (d: Draft): boolean => d.kind === 'new_value' || (d.kind === 'threshold' && ['distinct', 'percentile', 'sum'].includes(d.aggregate))

/** The API body for a draft: the fields its kind reads. */
export function ruleBody(d: Draft): Record<string, unknown> {
  const body: Record<string, unknown> = {
    name: d.name, kind: d.kind, target: d.target, query: d.query, groupBy: list(d.groupBy), severity: d.severity, channels: list(d.channels),
    windowSeconds: Number(d.windowSeconds),
  }
  if (d.kind === 'threshold') {
    Object.assign(body, { aggregate: d.aggregate, op: d.op, threshold: Number(d.threshold), minCount: Number(d.minCount), for: Number(d.forSeconds) })
    if (d.aggregate === 'ratio') body.ratioOf = d.ratioOf
    if (d.aggregate === 'percentile') body.percentile = Number(d.percentile)
  }
  if (needsField(d)) body.field = d.field
  if (d.kind === 'new_value') body.newValueDays = Number(d.newValueDays)
  if (d.kind === 'anomaly') Object.assign(body, { minCount: Number(d.minCount), for: Number(d.forSeconds), anomaly: { direction: d.direction, sensitivity: Number(d.sensitivity) } })
  if (d.kind === 'storage_cap') Object.assign(body, { op: d.op, threshold: Number(d.threshold) })
  return body
}

/** What a preview answer shows: the count of firings and the per-window value chart. */
export function PreviewView({ data }: { data: Preview }) {
  return (
    <>
      <div>Would have fired <b>{data.firings}</b> times ({data.windowsOver} windows of {data.bucketSeconds} s over the threshold{data.threshold !== null ? ` ${data.threshold}` : ''}).</div>
      {data.note && <div className="muted">{data.note}</div>}
      <Sparkline x={data.series.map((p) => Date.parse(p.time) / 1000)} series={[data.series.map((p) => p.value)]} colors={['--accent']} height={80} label="Rule value per window" />
    </>
  )
}

function Field({ label, children }: { label: string; children: React.ReactNode }) {
  return <label style={{ display: 'flex', flexDirection: 'column', gap: 2 }}><span className="muted small">{label}</span>{children}</label>
}

export function RuleEditor({ editing, onDone }: { editing: Rule | null; onDone: () => void }) {
  const qc = useQueryClient()
  const [d, setD] = useState<Draft>(editing ? draftOf(editing) : EMPTY)
  const [range, setRange] = useState<'24h' | '7d'>('24h')
  const set = (patch: Partial<Draft>) => setD({ ...d, ...patch })
  const save = useMutation({
    mutationFn: () => editing
      ? api(`/api/alerts/rules/${encodeURIComponent(editing.id)}`, { method: 'PUT', json: ruleBody(d) })
      : api('/api/alerts/rules', { method: 'POST', json: ruleBody(d) }),
    onSuccess: () => { void qc.invalidateQueries({ queryKey: ['alerts-rules'] }); if (editing) onDone(); else setD({ ...d, name: '' }) },
  })
  const preview = useMutation({
    mutationFn: (r: '24h' | '7d') => api<Preview>(`/api/alerts/rules/preview?range=${r}`, { method: 'POST', json: { ...ruleBody(d), name: d.name || 'draft' } }),
  })
  const err = [save.error, preview.error].find((e) => e instanceof ApiFailure) as ApiFailure | undefined
  const errField = err === undefined ? undefined : err.message.startsWith('ratioOf:') ? 'ratioOf' : err.message.startsWith('query:') ? 'query' : undefined
  const fixedKind = !(EDITABLE_KINDS as readonly string[]).includes(d.kind)
  const windowLabel = d.kind === 'absence' ? 'silent for (s)' : d.kind === 'instant' ? 'resolves after (s) quiet' : d.kind === 'anomaly' ? 'interval (s)' : 'window (s)'
  const runPreview = (r: '24h' | '7d') => { setRange(r); preview.mutate(r) }
  return (
    <form className="card" aria-label={editing ? `Edit rule ${editing.name}` : 'New rule'} onSubmit={(e) => { e.preventDefault(); save.mutate() }}>
      <div className="row"><b className="grow">{editing ? `Edit rule: ${editing.name}` : 'New rule'}</b>{editing && <button type="button" className="small" onClick={onDone}>Close</button>}</div>
      <div className="row">
        <Field label="name"><input aria-label="Rule name" required value={d.name} onChange={(e) => set({ name: e.target.value })} /></Field>
        <Field label="kind">
          <select aria-label="Kind" value={d.kind} disabled={fixedKind} onChange={(e) => set({ kind: e.target.value })}>
            {(fixedKind ? [d.kind] : EDITABLE_KINDS).map((k) => <option key={k} value={k}>{k}</option>)}
          </select>
        </Field>
        <Field label="records">
          <select aria-label="Target" value={d.target} disabled={fixedKind} onChange={(e) => set({ target: e.target.value })}><option value="logs">logs</option><option value="spans">spans</option></select>
        </Field>
        <Field label="severity">
          <select aria-label="Severity" value={d.severity} onChange={(e) => set({ severity: e.target.value })}><option>critical</option><option>warning</option><option>info</option></select>
        </Field>
      </div>
      <div className="muted small">{KIND_HELP[d.kind]}</div>
      {d.kind !== 'storage_cap' && (
        <Field label="query">
          <input aria-label="Query" placeholder="e.g. http.status:>=500" className="mono grow" style={errField === 'query' ? { borderColor: 'var(--error)' } : undefined} value={d.query} onChange={(e) => set({ query: e.target.value })} />
        </Field>
      )}
      <div className="row">
        {d.kind === 'threshold' && (
          <Field label="aggregate">
            <select aria-label="Aggregate" value={d.aggregate} onChange={(e) => set({ aggregate: e.target.value })}>{AGGREGATES.map((a) => <option key={a}>{a}</option>)}</select>
          </Field>
        )}
        {d.kind === 'threshold' && d.aggregate === 'ratio' && (
          <Field label="ratio of (denominator query)"><input aria-label="Ratio of" className="mono" placeholder="http.status:*" value={d.ratioOf} onChange={(e) => set({ ratioOf: e.target.value })} /></Field>
        )}
        {needsField(d) && <Field label="field"><input aria-label="Field" required className="mono" placeholder="client.ip" value={d.field} onChange={(e) => set({ field: e.target.value })} /></Field>}
        {d.kind === 'threshold' && d.aggregate === 'percentile' && (
          <Field label="percentile"><input aria-label="Percentile" type="number" min={1} max={99.9} step="any" style={{ width: 70 }} value={d.percentile} onChange={(e) => set({ percentile: e.target.value })} /></Field>
        )}
        {(d.kind === 'threshold' || d.kind === 'storage_cap') && (
          <>
            <Field label="operator">
              <select aria-label="Operator" value={d.op} onChange={(e) => set({ op: e.target.value })}>{['>=', '>', '<=', '<'].map((o) => <option key={o}>{o}</option>)}</select>
            </Field>
            <Field label={d.kind === 'storage_cap' ? 'threshold (%)' : 'threshold'}><input aria-label="Threshold" type="number" step="any" style={{ width: 90 }} value={d.threshold} onChange={(e) => set({ threshold: e.target.value })} /></Field>
          </>
        )}
        {d.kind !== 'storage_cap' && (
          <Field label={windowLabel}><input aria-label="Window seconds" type="number" step={10} min={10} style={{ width: 80 }} value={d.windowSeconds} onChange={(e) => set({ windowSeconds: e.target.value })} /></Field>
        )}
        {(d.kind === 'threshold' || d.kind === 'anomaly') && (
          <>
            <Field label="min. records"><input aria-label="Minimum count" type="number" min={0} style={{ width: 70 }} value={d.minCount} onChange={(e) => set({ minCount: e.target.value })} /></Field>
            <Field label="for (s)"><input aria-label="For seconds" type="number" min={0} style={{ width: 70 }} value={d.forSeconds} onChange={(e) => set({ forSeconds: e.target.value })} /></Field>
          </>
        )}
        {d.kind === 'anomaly' && (
          <>
            <Field label="direction">
              <select aria-label="Direction" value={d.direction} onChange={(e) => set({ direction: e.target.value })}><option>up</option><option>down</option><option>both</option></select>
            </Field>
            <Field label="sensitivity (σ)"><input aria-label="Sensitivity" type="number" min={0.5} step="any" style={{ width: 70 }} value={d.sensitivity} onChange={(e) => set({ sensitivity: e.target.value })} /></Field>
          </>
        )}
        {d.kind === 'new_value' && (
          <Field label="not seen for (days)"><input aria-label="New value days" type="number" min={1} max={90} style={{ width: 70 }} value={d.newValueDays} onChange={(e) => set({ newValueDays: e.target.value })} /></Field>
        )}
        {d.kind !== 'new_value' && <Field label="group by"><input aria-label="Group by" placeholder="service, http.route" value={d.groupBy} onChange={(e) => set({ groupBy: e.target.value })} /></Field>}
        <Field label="channels (empty: default)"><input aria-label="Channels" placeholder="ops-slack" value={d.channels} onChange={(e) => set({ channels: e.target.value })} /></Field>
      </div>
      <div className="row">
        <button type="button" className="small" disabled={preview.isPending} onClick={() => runPreview('24h')}>Preview 24 h</button>
        <button type="button" className="small" disabled={preview.isPending} onClick={() => runPreview('7d')}>Preview 7 d</button>
        <span className="grow" />
        <button type="submit" className="primary" disabled={save.isPending}>{editing ? 'Save' : 'Create'}</button>
      </div>
      {err && (
        <div className="err-text" role="alert">{err.message}
          {typeof err.position === 'number' && <pre className="mono">{errField === 'ratioOf' ? d.ratioOf : d.query}{'\n'}{' '.repeat(err.position)}^</pre>}
        </div>
      )}
      {save.isSuccess && !editing && <div className="muted" role="status">Rule created.</div>}
      {preview.data && !preview.isPending && (
        <div aria-label="Draft preview"><div className="muted small">last {range === '24h' ? '24 hours' : '7 days'}</div><PreviewView data={preview.data} /></div>
      )}
    </form>
  )
}
