/** Production cost: material per unit plus machine time. Fails for an item with no material cost. */
export class CostCalculationError extends Error {
  constructor(message: string, readonly sku: string) {
    super(message)
    this.name = 'CostCalculationError'
  }
}

const MATERIAL_COST: Record<string, number> = {
  'BOLT-M8': 4.1,
  'GEAR-40': 17.5,
  'SHAFT-1M': 41,
  'PLATE-A4': 9.8,
  'JAM-PRESS': 22,
}

const MACHINE_MINUTE = 1.35

export function calculateCost(items: { sku: string; qty: number }[]): number {
  let total = 0
  for (const item of items) {
    const material = MATERIAL_COST[item.sku]
    if (material === undefined) throw new CostCalculationError(`no material cost for ${item.sku}: bill of materials incomplete`, item.sku)
    total += (material + MACHINE_MINUTE * 3) * item.qty
  }
  return Math.round(total * 100) / 100
}
