import { useEffect, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react'
import { useQuery } from '@tanstack/react-query'
import { api, apiPath } from '../../api/client.ts'
import { applyCompletion, completionAt, rankCandidates, type Completion } from '../../model/autocomplete.ts'
import { highlightQuery } from '../../model/highlight.ts'

interface Props {
  value: string
  onSubmit(q: string): void
  target: 'logs' | 'spans'
  from: string
  to: string
  /** The parser's error for the last run query: message and position (0-based). */
  error?: { message: string; position?: number } | null
  placeholder?: string
}

interface FieldsResponse { builtin: { name: string }[]; attributes: { name: string }[] }

/**
 * The Beacon query language input: `/` focuses it, Enter runs it, Tab/Enter take a suggestion,
 * Esc closes suggestions. Suggests field names, then the top values of the field being typed.
 * Syntax highlighting: a coloured copy of the text (from the query package's lexer) sits behind
 * the input, whose own text is transparent, so typing, the caret, selection and completion are the
 * browser's own; the copy follows the input's horizontal scroll.
 */
export function QueryBar({ value, onSubmit, target, from, to, error, placeholder }: Props) {
  const [text, setText] = useState(value)
  const [caret, setCaret] = useState(0)
  const [open, setOpen] = useState(false)
  const [sel, setSel] = useState(0)
  const input = useRef<HTMLInputElement>(null)
  const layer = useRef<HTMLDivElement>(null)
  useEffect(() => setText(value), [value])
  // The server's error position applies to the query it was given, not to an edited one.
  const errorAt = error && text === value ? error.position : null
  const segments = useMemo(() => highlightQuery(text, errorAt), [text, errorAt])
  const syncScroll = () => { if (layer.current && input.current) layer.current.scrollLeft = input.current.scrollLeft }
  useLayoutEffect(syncScroll, [text, caret])

  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      const t = e.target as HTMLElement
      if (e.key === '/' && !['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName)) { e.preventDefault(); input.current?.focus() }
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [])

  const completion: Completion | null = open ? completionAt(text, caret) : null
  const fields = useQuery({
    queryKey: ['fields', target],
    queryFn: () => api<FieldsResponse>(apiPath('/api/fields', { target, from: 'now-24h' })),
    enabled: open, staleTime: 60_000,
  })
  const values = useQuery({
    queryKey: ['field-values', target, completion?.field, from, to],
    queryFn: () => api<{ values: { value: string; count: number }[] }>(apiPath(`/api/fields/${encodeURIComponent(completion!.field)}/values`, { target, from, to, limit: 20 })),
    enabled: !!completion && completion.kind === 'value', staleTime: 30_000,
  })
  const names = fields.data ? [...new Set([...fields.data.builtin.map((f) => f.name), ...fields.data.attributes.map((a) => a.name)])] : []
  const options: { label: string; note?: string }[] = !completion ? []
    : completion.kind === 'field' ? rankCandidates(names, completion.prefix).map((label) => ({ label }))
    : (values.data?.values ?? []).filter((v) => v.value.toLowerCase().includes(completion.prefix.toLowerCase())).slice(0, 12).map((v) => ({ label: v.value, note: String(v.count) }))

  function take(label: string) {
    if (!completion) return
    const r = applyCompletion(text, completion, label)
    setText(r.q)
    setCaret(r.caret)
    setSel(0)
    requestAnimationFrame(() => { input.current?.setSelectionRange(r.caret, r.caret) })
  }

  function onKeyDown(e: KeyboardEvent<HTMLInputElement>) {
    const showing = options.length > 0
    if (e.key === 'ArrowDown' && showing) { e.preventDefault(); setSel((sel + 1) % options.length) }
    else if (e.key === 'ArrowUp' && showing) { e.preventDefault(); setSel((sel - 1 + options.length) % options.length) }
    else if (e.key === 'Tab' && showing) { e.preventDefault(); take(options[sel].label) }
    else if (e.key === 'Escape') { setOpen(false) }
    else if (e.key === 'Enter') {
      e.preventDefault()
      if (showing && e.altKey) { take(options[sel].label); return }
      setOpen(false)
      onSubmit(text.trim())
    }
  }

  const pos = error?.position
  return (
    <div className="query-wrap">
      <div className="query-field">
      <div ref={layer} className="query-hl" aria-hidden="true" data-testid="query-highlight">
        {segments.map((s) => s.kind === 'plain' ? <span key={s.start}>{s.text}</span> : <span key={s.start} className={`hl-${s.kind}`} data-hl={s.kind}>{s.text}</span>)}
      </div>
      <input
        ref={input}
        className={`query-input${error ? ' invalid' : ''}`}
        aria-label="Query (press / to focus, Enter to run)"
        aria-invalid={!!error}
        aria-describedby={error ? 'query-error' : undefined}
        role="combobox"
        aria-expanded={options.length > 0}
        aria-controls="query-suggestions"
        aria-autocomplete="list"
        spellCheck={false}
        autoComplete="off"
        placeholder={placeholder ?? 'level:error service:shop-api "payment failed"  — press / to focus, Enter to run'}
        value={text}
        onChange={(e) => { setText(e.target.value); setCaret(e.target.selectionStart ?? 0); setOpen(true); setSel(0) }}
        onKeyDown={onKeyDown}
        onKeyUp={(e) => setCaret((e.target as HTMLInputElement).selectionStart ?? 0)}
        onClick={(e) => setCaret((e.target as HTMLInputElement).selectionStart ?? 0)}
        onBlur={() => setTimeout(() => setOpen(false), 150)}
        onScroll={syncScroll}
        onSelect={syncScroll}
      />
      </div>
      {options.length > 0 && (
        <ul className="suggest" id="query-suggestions" role="listbox" aria-label="Suggestions">
          {options.map((o, i) => (
            <li key={o.label} role="option" aria-selected={i === sel} onMouseDown={(e) => { e.preventDefault(); take(o.label) }}>
              <span className="mono">{o.label}</span>{o.note && <span className="muted">{o.note}</span>}
            </li>
          ))}
        </ul>
      )}
      {error && (
        <div className="query-error" id="query-error" role="alert" data-position={pos ?? ''}>
          {pos !== undefined && pos !== null && <>{value}{'\n'}{' '.repeat(Math.max(0, pos))}^{'\n'}</>}
          {error.message}
        </div>
      )}
    </div>
  )
}
