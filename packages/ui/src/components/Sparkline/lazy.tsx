import { lazy, Suspense, type ComponentProps } from 'react'

// uPlot loads beside the figures it decorates, not before them.
const Chart = lazy(() => import('./index.tsx').then((m) => ({ default: m.Sparkline })))

/** The Sparkline, its chart library loaded on first use; the space it takes is kept meanwhile. */
export function Sparkline(props: ComponentProps<typeof Chart>) {
  return <Suspense fallback={<div style={{ height: props.height ?? 42 }} aria-hidden="true" />}><Chart {...props} /></Suspense>
}
