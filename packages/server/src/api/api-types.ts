/**
 * The API's answer shapes, as types only, for clients in this repository (the web UI imports them
 * with `import type`, which the bundler erases: no server code reaches the browser).
 */
export type { LogView, SpanView } from './records.ts'
export type { OrderListRow } from './orders-list.ts'
export type { MapNode, MapEdge } from './service-map.ts'
