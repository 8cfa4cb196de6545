import { useEffect, useRef } from 'react'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'

/** A small line/area chart (no axes): `series` share the x values (seconds). */
export function Sparkline({ x, series, colors, height = 42, label }: { x: number[]; series: number[][]; colors: string[]; height?: number; label: string }) {
  const box = useRef<HTMLDivElement>(null)
  useEffect(() => {
    const el = box.current
    if (!el || x.length === 0) return
    const css = (v: string) => getComputedStyle(document.documentElement).getPropertyValue(v).trim() || v
    const plot = new uPlot({
      width: el.clientWidth || 240, height, legend: { show: false }, cursor: { show: false }, select: { show: false, left: 0, top: 0, width: 0, height: 0 },
      axes: [{ show: false }, { show: false }], scales: { x: { time: true } },
      series: [{}, ...series.map((_, i) => ({ stroke: css(colors[i]), fill: css(colors[i]) + '33', width: 1.5, points: { show: false } }))],
    }, [x, ...series] as uPlot.AlignedData, el)
    const ro = new ResizeObserver(() => plot.setSize({ width: el.clientWidth, height }))
    ro.observe(el)
    return () => { ro.disconnect(); plot.destroy() }
  }, [x, series, colors, height])
  return <div ref={box} role="img" aria-label={label} style={{ height }} />
}
