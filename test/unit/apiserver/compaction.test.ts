// Periodic compaction: each round compacts to the revision the previous round saw, so one interval of history stays.
import assert from 'node:assert/strict'
import {startCompaction} from '../../../src/apiserver/compaction.js'

describe('startCompaction', () => {
  it('compacts to the previous round\'s revision, never the current one', async () => {
    let revision = 10
    const calls: Array<[number, number]> = []
    const stop = startCompaction({currentRevision: async () => revision++, compact: (r) => void calls.push([r, revision])}, 10)
    await new Promise((r) => setTimeout(r, 80))
    stop()
    assert.ok(calls.length >= 2, `${calls.length} rounds`)
    assert.equal(calls[0][0], 10, 'the first round only records; the second compacts to what the first saw')
    for (let i = 1; i < calls.length; i++) assert.equal(calls[i][0], calls[i - 1][0] + 1, 'each round compacts to the previous round\'s revision')
    for (const [to, now] of calls) assert.ok(to < now - 1, `compacted to ${to} with ${now - 1} current`)
  })
  it('does nothing for a store that cannot compact', () => {
    startCompaction({currentRevision: async () => 1})()
  })
})
