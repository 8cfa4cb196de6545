import { useEffect, useRef } from 'react'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'
import { stackHistogram } from '../../model/histogram.ts'

const LEVEL_VAR: Record<string, string> = { FATAL: '--error', ERROR: '--error', WARN: '--warn', INFO: '--info', DEBUG: '--debug', TRACE: '--debug' }

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888'
}

/** Events over time stacked by level; drag across it to zoom the time range. */
export function Histogram({ buckets, bucketSeconds, onZoom, height = 110 }: {
  buckets: { time: string; counts: Record<string, number> }[]
  bucketSeconds: number
  onZoom(fromIso: string, toIso: string): void
  height?: number
}) {
  const box = useRef<HTMLDivElement>(null)
  const zoom = useRef(onZoom)
  zoom.current = onZoom
  useEffect(() => {
    const el = box.current
    if (!el) return
    const h = stackHistogram(buckets)
    const bars = uPlot.paths.bars!({ size: [0.85, 40], align: 1 })
    const opts: uPlot.Options = {
      width: el.clientWidth || 800,
      height,
      legend: { show: false },
      cursor: { drag: { x: true, y: false, setScale: false }, points: { show: false } },
      select: { show: true, left: 0, top: 0, width: 0, height: 0 },
      scales: { x: { time: true, range: (_u, min, max) => [min, max + bucketSeconds] } },
      axes: [
        { stroke: cssVar('--muted'), grid: { show: false }, ticks: { stroke: cssVar('--line') } },
        { stroke: cssVar('--muted'), grid: { stroke: cssVar('--line'), width: 1 }, ticks: { show: false }, size: 44 },
      ],
      series: [{}, ...h.levels.map((l) => ({ label: l, fill: cssVar(LEVEL_VAR[l] ?? '--info'), stroke: 'transparent', paths: bars, points: { show: false } }))],
      hooks: {
        setSelect: [(u) => {
          if (u.select.width < 4) return
          const a = u.posToVal(u.select.left, 'x')
          const b = u.posToVal(u.select.left + u.select.width, 'x')
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false)
          zoom.current(new Date(a * 1000).toISOString(), new Date(b * 1000).toISOString())
        }],
      },
    }
    const plot = new uPlot(opts, [h.x, ...h.stacked] as uPlot.AlignedData, el)
    const ro = new ResizeObserver(() => plot.setSize({ width: el.clientWidth, height }))
    ro.observe(el)
    return () => { ro.disconnect(); plot.destroy() }
  }, [buckets, bucketSeconds, height])
  return <div ref={box} className="hist" role="img" aria-label="Events over time by level; drag to zoom into a time range" />
}
