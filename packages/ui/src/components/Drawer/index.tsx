import { useEffect, type ReactNode } from 'react'

/** A side panel; Esc closes it. */
export function Drawer({ title, onClose, children }: { title: ReactNode; onClose(): void; children: ReactNode }) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => { if (e.key === 'Escape') onClose() }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [onClose])
  return (
    <aside className="drawer" role="dialog" aria-label={typeof title === 'string' ? title : 'Details'}>
      <header><h2 className="grow" style={{ margin: 0 }}>{title}</h2><button type="button" className="ghost" onClick={onClose} aria-label="Close panel (Esc)">✕</button></header>
      <div className="content">{children}</div>
    </aside>
  )
}
