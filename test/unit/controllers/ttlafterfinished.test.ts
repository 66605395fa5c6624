// TTL-after-finished controller: seed a fake cache, run one sync, compare the API calls it made.
import assert from 'node:assert/strict'
import type {KubeObject} from '../../../src/api/types.js'
import {FakeClock} from '../../../src/api/clock.js'
import {TTLAfterFinishedController, ttlRemainingMs} from '../../../src/controllers/ttlafterfinished/controller.js'
import {FakeLister, T0, iso, recordingClient} from './fakes.js'

const PATH = '/apis/batch/v1/namespaces/default/jobs/pi'

function job(ttl: number | undefined, finished: number | undefined, type = 'Complete'): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {name: 'pi', namespace: 'default', uid: 'uid-job', resourceVersion: '7'},
    spec: {...(ttl === undefined ? {} : {ttlSecondsAfterFinished: ttl})},
    status: finished === undefined ? {} : {conditions: [{type, status: 'True', lastTransitionTime: iso(finished)}]},
  }
}

function setup(cached: KubeObject, fresh: KubeObject = cached, now = T0) {
  const clock = new FakeClock(now)
  const jobs = new FakeLister([cached])
  const {client, actions} = recordingClient({get: (p) => (p === PATH ? fresh : undefined)})
  const ctl = new TTLAfterFinishedController({client, jobs: jobs as any, clock})
  return {ctl, actions, clock, jobs}
}

describe('TTLAfterFinishedController', () => {
  it('computes the time left from the Complete or Failed condition, and nothing for running or untimed Jobs', () => {
    assert.equal(ttlRemainingMs(job(5, T0) as any, T0 + 2000), 3000)
    assert.equal(ttlRemainingMs(job(5, T0, 'Failed') as any, T0 + 9000), 0)
    assert.equal(ttlRemainingMs(job(5, undefined) as any, T0), undefined)
    assert.equal(ttlRemainingMs(job(undefined, T0) as any, T0), undefined)
  })

  it('requeues a finished Job for when its TTL runs out, without deleting it yet', async () => {
    const {ctl, actions, clock} = setup(job(10, T0), undefined, T0 + 4000)
    await ctl.sync('default/pi')
    assert.deepEqual(actions, [])
    await clock.advance(5999)
    assert.equal(ctl.queue.len(), 0)
    await clock.advance(1)
    assert.equal(ctl.queue.len(), 1)
  })

  it('deletes a due Job with background propagation after checking a fresh copy', async () => {
    const {ctl, actions} = setup(job(5, T0), undefined, T0 + 5000)
    await ctl.sync('default/pi')
    assert.deepEqual(actions.map((a) => `${a.verb} ${a.path}`), [`get ${PATH}`, `delete ${PATH}`])
    assert.deepEqual(actions[1].body, {propagationPolicy: 'Background', preconditions: {uid: 'uid-job', resourceVersion: '7'}})
  })

  it('keeps a Job whose TTL was raised or removed meanwhile', async () => {
    const raised = setup(job(5, T0), job(600, T0), T0 + 5000)
    await raised.ctl.sync('default/pi')
    assert.deepEqual(raised.actions.map((a) => a.verb), ['get'])
    const removed = setup(job(5, T0), job(undefined, T0), T0 + 5000)
    await removed.ctl.sync('default/pi')
    assert.deepEqual(removed.actions.map((a) => a.verb), ['get'])
  })

  it('does nothing for a Job that is not finished or already being deleted', async () => {
    const deleting = job(0, T0)
    deleting.metadata.deletionTimestamp = iso(T0)
    for (const j of [job(5, undefined), deleting]) {
      const {ctl, actions} = setup(j, undefined, T0 + 60_000)
      await ctl.sync('default/pi')
      assert.deepEqual(actions, [])
    }
  })
})
