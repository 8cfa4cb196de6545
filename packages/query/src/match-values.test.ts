import { test } from 'node:test'
import assert from 'node:assert/strict'
import { hasToken, textPredicate } from './match-values.ts'
import { textTokens } from './values.ts'

test('hasToken answers exactly what splitting into tokens answers', () => {
  const texts = ['timeout', 'Timeout!', 'a timeout b', 'timeouts', 'pretimeout', 'time-out', 'x_timeout_y', 'timeout\ttimeout2', 'ütimeout', 'timeoutü', '🙂timeout', 'timeout🙂', '', 'TIMEOUT at 10:00', 'e1000 E1000', 'a1000']
  const tokens = ['timeout', 'e1000', 'a1000', 'out', 'time', '10']
  for (const text of texts) {
    const lower = text.toLowerCase()
    const have = new Set(textTokens(lower))
    for (const t of tokens) assert.equal(hasToken(lower, t), have.has(t), `${JSON.stringify(text)} / ${t}`)
  }
})

test('full-text words: whole tokens only, case-insensitive; several words also as a phrase', () => {
  const word = textPredicate({ type: 'word', text: 'Timeout' })
  assert.equal(word('upstream TIMEOUT after 3 s'), true)
  assert.equal(word('timeouts everywhere'), false)
  const phrase = textPredicate({ type: 'phrase', text: 'payment failed' })
  assert.equal(phrase('the Payment failed twice'), true)
  assert.equal(phrase('failed payment'), false)
})
