// The per-pod startup trace: first marks count, one line per pod once it runs, restarts and forgotten pods leave nothing behind.
import assert from 'node:assert/strict'
import {StartupTrace} from '../../../../src/agent/pods/startup-trace.js'

describe('pod startup trace', () => {
  it('logs the first occurrence of each mark once, when the pod first runs, then ignores restarts', () => {
    let now = 1000
    const lines: string[] = []
    const trace = new StartupTrace({now: () => now}, (m) => lines.push(m))
    trace.mark('u1', 'seen')
    now = 1010
    trace.mark('u1', 'sandbox')
    now = 1020
    trace.mark('u1', 'sandbox')
    trace.running('u1', 'default/web')
    assert.deepEqual(lines, ['pod-startup default/web {"seen":1000,"sandbox":1010}'])
    // A container restart marks again; nothing more is logged for this pod.
    trace.mark('u1', 'start')
    trace.running('u1', 'default/web')
    assert.equal(lines.length, 1)
    // A pod that never ran and was deleted is forgotten; the same uid starts afresh.
    trace.mark('u2', 'seen')
    trace.forget('u2')
    trace.running('u2', 'default/gone')
    assert.equal(lines.length, 1)
  })
})
