// Tests of the event recorder: Event shape, count folding of repeats, and truncation.
import {strict as assert} from 'node:assert'
import {FakeClock} from '../../../src/api/clock.js'
import {ApiError} from '../../../src/client/errors.js'
import {EventRecorder, truncateEventMessage} from '../../../src/client/events.js'
import {makePod} from '../scheduler/fixtures.js'

function fakeSink() {
  const calls: {op: string; target: any; body: any}[] = []
  let missing = false
  return {
    calls,
    loseEvents() {
      missing = true
    },
    async create(target: any, body: any) {
      calls.push({op: 'create', target, body})
      return body
    },
    async patch(target: any, body: any) {
      calls.push({op: 'patch', target, body})
      if (missing) throw new ApiError({kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 404, reason: 'NotFound'})
      return body
    },
  }
}

describe('scheduler/events', () => {
  it('creates a core/v1 Event filled in as kube-scheduler events are, then counts repeats', async () => {
    const clock = new FakeClock(Date.parse('2024-05-01T10:00:00.123Z'))
    const sink = fakeSink()
    const rec = new EventRecorder(sink, {component: 'default-scheduler', instance: 'default-scheduler-cp'}, {clock})
    const pod = makePod('web-1')
    rec.record(pod, 'Warning', 'FailedScheduling', 'Scheduling', '0/1 nodes are available: 1 Insufficient cpu.')
    rec.record(pod, 'Warning', 'FailedScheduling', 'Scheduling', '0/1 nodes are available: 1 Insufficient cpu.')
    await rec.flush()
    await clock.advance(5000)
    rec.record(pod, 'Warning', 'FailedScheduling', 'Scheduling', '0/1 nodes are available: 1 Insufficient cpu.')
    await rec.flush()
    assert.deepEqual(sink.calls.map((c) => c.op), ['create', 'patch', 'patch'])
    const ev = sink.calls[0].body
    assert.equal(ev.kind, 'Event')
    assert.match(ev.metadata.name, /^web-1\.[0-9a-f]+$/)
    assert.deepEqual(ev.involvedObject, {apiVersion: 'v1', kind: 'Pod', name: 'web-1', namespace: 'default', uid: 'uid-web-1', resourceVersion: undefined})
    assert.equal(ev.source.component, 'default-scheduler')
    assert.equal(ev.reportingComponent, 'default-scheduler')
    assert.equal(ev.reportingInstance, 'default-scheduler-cp')
    assert.equal(ev.firstTimestamp, '2024-05-01T10:00:00Z')
    assert.equal(ev.eventTime, '2024-05-01T10:00:00.123000Z')
    assert.equal(ev.count, 1)
    assert.deepEqual(sink.calls[2].target, {version: 'v1', resource: 'events', namespace: 'default', name: ev.metadata.name})
    assert.deepEqual(sink.calls[2].body, {count: 3, lastTimestamp: '2024-05-01T10:00:05Z'})
  })

  it('starts a new Event when the old one is gone', async () => {
    const sink = fakeSink()
    const rec = new EventRecorder(sink, {component: 'default-scheduler', instance: 'x'}, {clock: new FakeClock()})
    rec.record(makePod('p'), 'Normal', 'Scheduled', 'Binding', 'm')
    await rec.flush()
    sink.loseEvents()
    rec.record(makePod('p'), 'Normal', 'Scheduled', 'Binding', 'm')
    await rec.flush()
    assert.deepEqual(sink.calls.map((c) => c.op), ['create', 'patch', 'create'])
  })

  it('truncates long messages to 1024 characters with " ..."', () => {
    const long = 'x'.repeat(2000)
    const t = truncateEventMessage(long)
    assert.equal(t.length, 1024)
    assert.ok(t.endsWith(' ...'))
    assert.equal(truncateEventMessage('short'), 'short')
  })
})
