import { test } from 'node:test'
import assert from 'node:assert/strict'
import { layoutGraph } from './graph-layout.ts'

test('callers are placed left of the services they call', () => {
  const size = { width: 160, height: 60 }
  const pos = layoutGraph([{ id: 'shop', ...size }, { id: 'queue:orders', ...size }, { id: 'mes', ...size }, { id: 'crm', ...size }],
    [{ source: 'shop', target: 'queue:orders' }, { source: 'queue:orders', target: 'mes' }, { source: 'shop', target: 'crm' }])
  assert.ok(pos.get('shop')!.x < pos.get('queue:orders')!.x)
  assert.ok(pos.get('queue:orders')!.x < pos.get('mes')!.x)
  assert.ok(pos.get('shop')!.x < pos.get('crm')!.x)
})
