import { useState } from 'react'
import { PRESETS, describeRange, formatLocal, resolveTime } from '../../model/time.ts'

/** Time range: presets, or absolute times typed in the browser's zone (sent to the API as UTC ISO). */
export function TimeRange({ from, to, onChange }: { from: string; to: string; onChange(from: string, to: string): void }) {
  const [custom, setCustom] = useState(false)
  const [f, setF] = useState('')
  const [t, setT] = useState('')
  const isPreset = to === 'now' && PRESETS.some((p) => p.from === from)
  return (
    <div className="row">
      <select
        aria-label="Time range"
        value={isPreset ? from : 'custom'}
        onChange={(e) => {
          if (e.target.value === 'custom') {
            setF(formatLocal(resolveTime(from), false)); setT(formatLocal(resolveTime(to), false)); setCustom(true)
          } else { setCustom(false); onChange(e.target.value, 'now') }
        }}
      >
        {PRESETS.map((p) => <option key={p.from} value={p.from}>{p.label}</option>)}
        <option value="custom">{isPreset ? 'Absolute…' : describeRange(from, to)}</option>
      </select>
      {custom && (
        <form className="row" onSubmit={(e) => {
          e.preventDefault()
          const a = new Date(f.replace(' ', 'T')).getTime()
          const b = new Date(t.replace(' ', 'T')).getTime()
          if (Number.isFinite(a) && Number.isFinite(b) && a < b) { onChange(new Date(a).toISOString(), new Date(b).toISOString()); setCustom(false) }
        }}>
          <input aria-label="From (local time)" value={f} onChange={(e) => setF(e.target.value)} size={19} />
          <span className="muted">→</span>
          <input aria-label="To (local time)" value={t} onChange={(e) => setT(e.target.value)} size={19} />
          <button type="submit">Apply</button>
        </form>
      )}
    </div>
  )
}
