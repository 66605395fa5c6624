// The readiness waits, with a fake clock: no sleeping.
import assert from 'node:assert/strict'
import type {PollClock} from '../../../src/api/poll.js'
import {waitForNodesReady} from '../../../src/cluster/create/wait.js'

function fakeClock(): PollClock & {t: number} {
  const c = {t: 0, now: () => c.t, sleep: async (ms: number) => void (c.t += ms)}
  return c
}
const node = (name: string, ready: boolean) => ({metadata: {name}, status: {conditions: [{type: 'Ready', status: ready ? 'True' : 'False'}]}})

describe('waitForNodesReady', () => {
  it('resolves once every expected node is Ready', async () => {
    const clock = fakeClock()
    let calls = 0
    const get = async () => ({items: ++calls < 3 ? [node('a', true), node('b', false)] : [node('a', true), node('b', true)]})
    await waitForNodesReady(get, ['a', 'b'], {deadline: 10_000, clock})
    assert.equal(calls, 3)
  })

  it('times out naming the nodes, with the last error and the extra detail', async () => {
    const clock = fakeClock()
    const get = async () => {
      throw new Error('connection refused')
    }
    await assert.rejects(waitForNodesReady(get, ['a'], {deadline: 1000, clock, onTimeout: async () => 'LOG TAIL'}), (err: Error) => /nodes a to be Ready.*connection refused/s.test(err.message) && err.message.includes('LOG TAIL'))
  })
})
