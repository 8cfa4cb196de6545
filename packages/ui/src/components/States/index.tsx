import type { ReactNode } from 'react'
import { ApiFailure } from '../../api/client.ts'

/** Loading, empty and error states that say what is going on and what to do. */
export function Loading({ what }: { what: string }) {
  return <div className="state" role="status" aria-live="polite"><span className="spinner" aria-hidden /> Loading {what}…</div>
}

export function Empty({ title, hint, children }: { title: string; hint?: string; children?: ReactNode }) {
  return <div className="state empty"><strong>{title}</strong>{hint && <p>{hint}</p>}{children}</div>
}

export function ErrorState({ error, action }: { error: unknown; action?: ReactNode }) {
  const e = error instanceof ApiFailure ? error : null
  const title = !e ? 'Something went wrong'
    : e.status === 0 ? 'Beacon is unreachable'
    : e.status === 403 ? 'Your role may not see this'
    : e.status === 400 ? 'Beacon could not use this request'
    : e.status === 503 ? 'Beacon is busy or cannot read its store'
    : `Beacon answered ${e.status}`
  return (
    <div className="state error" role="alert">
      <strong>{title}</strong>
      <p>{error instanceof Error ? error.message : String(error)}</p>
      {action}
    </div>
  )
}
