/**
 * The shop's catalogue. Two SKUs exist to make incidents happen on purpose (the traffic
 * generator uses them): BROKEN-PRICE has no production cost entry (the MES cost calculation
 * fails) and JAM-PRESS jams the press it is made on (equipment failure).
 */
export interface Product { sku: string; name: string; price: number }

export const CATALOG: Product[] = [
  { sku: 'BOLT-M8', name: 'Bolt M8 (100 pcs)', price: 12.5 },
  { sku: 'GEAR-40', name: 'Gear 40T', price: 48 },
  { sku: 'SHAFT-1M', name: 'Steel shaft 1 m', price: 95 },
  { sku: 'PLATE-A4', name: 'Aluminium plate A4', price: 31.2 },
  { sku: 'BROKEN-PRICE', name: 'Custom bracket (unpriced)', price: 20 },
  { sku: 'JAM-PRESS', name: 'Pressed housing', price: 60 },
]

const BY_SKU = new Map(CATALOG.map((p) => [p.sku, p]))

export function priceOf(sku: string): number | undefined {
  return BY_SKU.get(sku)?.price
}
