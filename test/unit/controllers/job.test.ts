// Job controller: seed a fake cache, run one sync, compare the API calls it made.
import assert from 'node:assert/strict'
import type {KubeObject} from '../../../src/api/types.js'
import {FakeClock} from '../../../src/api/clock.js'
import {JobController} from '../../../src/controllers/job/controller.js'
import {formatIndexes, parseIndexes} from '../../../src/controllers/job/indexes.js'
import {failureBackoffMs} from '../../../src/controllers/job/pods.js'
import {FakeLister, T0, iso, pod as basePod, recordingClient, recordingRecorder} from './fakes.js'

const TRACKING = 'batch.kubernetes.io/job-tracking'
const JOB_PATH = '/apis/batch/v1/namespaces/default/jobs/pi'
const STATUS = `${JOB_PATH}/status`

function job(spec: Record<string, unknown> = {}, status: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {name: 'pi', namespace: 'default', uid: 'uid-job', resourceVersion: '7'},
    spec: {
      completions: 1, parallelism: 1, backoffLimit: 6, completionMode: 'NonIndexed', suspend: false,
      selector: {matchLabels: {'batch.kubernetes.io/controller-uid': 'uid-job'}},
      template: {metadata: {labels: {'batch.kubernetes.io/controller-uid': 'uid-job', 'batch.kubernetes.io/job-name': 'pi'}}, spec: {restartPolicy: 'Never', containers: [{name: 'main', image: 'busybox'}]}},
      ...spec,
    },
    status: {startTime: iso(T0), ...status},
  }
}

/** A pod of the Job; finished pods get a terminated container with that exit code at finishedAt. */
function pod(name: string, j: KubeObject, o: {phase?: string; finalizer?: boolean; exitCode?: number; finishedAt?: number; deleting?: boolean; index?: number; ready?: boolean; conditions?: any[]} = {}): KubeObject {
  const p = basePod(name, {owner: j, ownerKind: 'Job', phase: o.phase ?? 'Running', labels: {'batch.kubernetes.io/controller-uid': 'uid-job'}, node: 'n1', ready: o.ready})
  p.metadata.ownerReferences![0].apiVersion = 'batch/v1'
  if (o.finalizer !== false) p.metadata.finalizers = [TRACKING]
  if (o.deleting) p.metadata.deletionTimestamp = iso(o.finishedAt ?? T0)
  if (o.index !== undefined) p.metadata.annotations = {'batch.kubernetes.io/job-completion-index': String(o.index)}
  if (o.exitCode !== undefined) p.status.containerStatuses = [{name: 'main', restartCount: 0, state: {terminated: {exitCode: o.exitCode, finishedAt: iso(o.finishedAt ?? T0)}}}]
  if (o.conditions) p.status.conditions.push(...o.conditions)
  return p
}

function setup(j: KubeObject, pods: KubeObject[] = [], now = T0 + 60_000) {
  const clock = new FakeClock(now)
  const jobs = new FakeLister([j])
  const podl = new FakeLister(pods)
  const {client, actions} = recordingClient()
  const recorder = recordingRecorder()
  const ctl = new JobController({client, jobs: jobs as any, pods: podl as any, recorder, clock})
  return {ctl, actions, recorder, podl, jobs, clock}
}

const verbs = (actions: {verb: string; path: string}[]) => actions.map((a) => `${a.verb} ${a.path}`)
const lastStatus = (actions: {verb: string; path: string; body?: any}[]) => actions.filter((a) => a.path === STATUS).at(-1)!.body.status
const trueTypes = (s: any) => (s.conditions ?? []).filter((c: any) => c.status === 'True').map((c: any) => `${c.type}:${c.reason}`)

describe('JobController', () => {
  it('creates parallelism pods with the tracking finalizer, labels and controller reference, and sets startTime', async () => {
    const j = job({completions: 5, parallelism: 2}, {startTime: undefined})
    const {ctl, actions, recorder} = setup(j)
    await ctl.sync('default/pi')
    assert.deepEqual(verbs(actions), ['create /api/v1/namespaces/default/pods', 'create /api/v1/namespaces/default/pods', `update ${STATUS}`])
    const created = actions[0].body
    assert.equal(created.metadata.generateName, 'pi-')
    assert.deepEqual(created.metadata.finalizers, [TRACKING])
    assert.equal(created.metadata.labels['batch.kubernetes.io/job-name'], 'pi')
    assert.deepEqual(created.metadata.ownerReferences, [{apiVersion: 'batch/v1', kind: 'Job', name: 'pi', uid: 'uid-job', controller: true, blockOwnerDeletion: true}])
    assert.deepEqual(lastStatus(actions), {startTime: iso(T0 + 60_000), active: 2, ready: 0, terminating: 0, uncountedTerminatedPods: {}})
    assert.equal(recorder.events.filter((e) => e.startsWith('Normal SuccessfulCreate Created pod: pi-')).length, 2)
  })

  it('counts a succeeded pod through uncountedTerminatedPods: status first, then the finalizer, then the count', async () => {
    const j = job({completions: 2, parallelism: 1})
    const {ctl, actions} = setup(j, [pod('pi-a', j, {phase: 'Succeeded', exitCode: 0})])
    await ctl.sync('default/pi')
    assert.deepEqual(verbs(actions), ['create /api/v1/namespaces/default/pods', `update ${STATUS}`, 'patch:merge /api/v1/namespaces/default/pods/pi-a', `update ${STATUS}`])
    assert.deepEqual(actions[1].body.status.uncountedTerminatedPods, {succeeded: ['uid-pi-a']})
    assert.equal(actions[1].body.status.succeeded, undefined)
    assert.equal(actions[2].body.metadata.finalizers, null)
    assert.equal(actions[2].body.metadata.resourceVersion, '1')
    const s = lastStatus(actions)
    assert.equal(s.succeeded, 1)
    assert.deepEqual(s.uncountedTerminatedPods, {})
  })

  it('never counts twice: an uncounted pod whose finalizer is gone is moved, a removal the cache has not shown is skipped', async () => {
    const j = job({completions: 3, parallelism: 1}, {succeeded: 1, uncountedTerminatedPods: {succeeded: ['uid-pi-a']}})
    const {ctl, actions, podl} = setup(j, [pod('pi-a', j, {phase: 'Succeeded', exitCode: 0, finalizer: false}), pod('pi-b', j, {phase: 'Succeeded', exitCode: 0})])
    ctl.removals.set('default/pi', new Map([['uid-pi-b', T0 + 60_000]]))
    await ctl.sync('default/pi')
    // pi-b's finalizer removal is still in flight: it is neither counted nor patched again, and no pod is created meanwhile.
    assert.deepEqual(verbs(actions), [`update ${STATUS}`])
    const s = lastStatus(actions)
    assert.equal(s.succeeded, 2)
    assert.deepEqual(s.uncountedTerminatedPods, {})
    // Once the cache shows the finalizer gone, the pending removal is forgotten.
    const freed = pod('pi-b', j, {phase: 'Succeeded', exitCode: 0, finalizer: false})
    freed.metadata.resourceVersion = '2'
    podl.set(freed)
    assert.equal(ctl.removals.get('default/pi')!.size, 0)
  })

  it('counts a pod deleted before it finished as failed, so an orphaned pod is not lost', async () => {
    const j = job({completions: 1, parallelism: 1})
    const {ctl, actions} = setup(j, [pod('pi-a', j, {deleting: true, finishedAt: T0 + 59_000})])
    await ctl.sync('default/pi')
    assert.deepEqual(actions[0].body.status.uncountedTerminatedPods, {failed: ['uid-pi-a']})
    assert.equal(lastStatus(actions).failed, 1)
    // Back-off after the failure: nothing is created yet.
    assert.equal(actions.filter((a) => a.verb === 'create').length, 0)
  })

  it('with podReplacementPolicy Failed, waits for a deleted pod until its node has stopped it (grace period 0)', async () => {
    const j = job({completions: 1, parallelism: 1, podReplacementPolicy: 'Failed'})
    const stopping = pod('pi-a', j, {deleting: true})
    stopping.metadata.deletionGracePeriodSeconds = 30
    const a = setup(j, [stopping])
    await a.ctl.sync('default/pi')
    // Neither counted nor replaced while it terminates.
    assert.deepEqual(verbs(a.actions), [`update ${STATUS}`])
    assert.equal(lastStatus(a.actions).terminating, 1)
    const stopped = pod('pi-a', j, {deleting: true})
    stopped.metadata.deletionGracePeriodSeconds = 0
    const b = setup(j, [stopped])
    await b.ctl.sync('default/pi')
    assert.ok(verbs(b.actions).includes('patch:merge /api/v1/namespaces/default/pods/pi-a'))
    assert.equal(lastStatus(b.actions).failed, 1)
  })

  it('waits out the pod-failure back-off (10 s doubling) before replacing a failed pod', async () => {
    assert.deepEqual([1, 2, 3, 10].map(failureBackoffMs), [10_000, 20_000, 40_000, 360_000])
    const j = job({completions: 1, parallelism: 1, backoffLimit: 6}, {failed: 1})
    const failed = pod('pi-a', j, {phase: 'Failed', exitCode: 1, finishedAt: T0 + 57_000, finalizer: false})
    const {ctl, actions, clock} = setup(j, [failed])
    await ctl.sync('default/pi')
    assert.equal(actions.filter((a) => a.verb === 'create').length, 0)
    assert.equal(ctl.queue.len(), 0)
    await clock.advance(6_999)
    assert.equal(ctl.queue.len(), 0)
    await clock.advance(1)
    assert.equal(ctl.queue.len(), 1)
    await ctl.sync('default/pi')
    assert.equal(actions.filter((a) => a.verb === 'create').length, 1)
  })

  it('remembers the back-off of a failed pod that is gone, and a success resets it', async () => {
    const j = job({completions: 2, parallelism: 1})
    const {ctl, actions, podl, jobs} = setup(j, [pod('pi-a', j, {phase: 'Failed', exitCode: 1, finishedAt: T0 + 58_000})])
    await ctl.sync('default/pi')
    assert.deepEqual(ctl.backoffs.get('default/pi'), {failures: 1, lastFailure: T0 + 58_000})
    podl.remove(podl.get('default/pi-a')!)
    jobs.set({...j, metadata: {...j.metadata, resourceVersion: '8'}, status: lastStatus(actions)})
    actions.length = 0
    await ctl.sync('default/pi')
    assert.equal(actions.filter((a) => a.verb === 'create').length, 0)
    podl.set(pod('pi-b', j, {phase: 'Succeeded', exitCode: 0, finishedAt: T0 + 59_000}))
    await ctl.sync('default/pi')
    assert.deepEqual(ctl.backoffs.get('default/pi'), {failures: 0})
  })

  it('fails with BackoffLimitExceeded: FailureTarget first, Failed once nothing runs, and a Warning event', async () => {
    const j = job({completions: 1, parallelism: 1, backoffLimit: 1}, {failed: 1})
    const {ctl, actions, recorder} = setup(j, [pod('pi-b', j, {phase: 'Failed', exitCode: 1})])
    await ctl.sync('default/pi')
    assert.deepEqual(verbs(actions), [`update ${STATUS}`, 'patch:merge /api/v1/namespaces/default/pods/pi-b', `update ${STATUS}`])
    assert.deepEqual(trueTypes(actions[0].body.status), ['FailureTarget:BackoffLimitExceeded'])
    const s = lastStatus(actions)
    assert.deepEqual(trueTypes(s), ['FailureTarget:BackoffLimitExceeded', 'Failed:BackoffLimitExceeded'])
    assert.equal(s.failed, 2)
    assert.equal(s.completionTime, undefined)
    assert.deepEqual(recorder.events, ['Warning BackoffLimitExceeded Job has reached the specified backoff limit'])
  })

  it('counts restarts of OnFailure pods towards backoffLimit', async () => {
    const j = job({completions: 1, parallelism: 1, backoffLimit: 2, template: {spec: {restartPolicy: 'OnFailure', containers: [{name: 'main', image: 'busybox'}]}}})
    const p = pod('pi-a', j)
    p.status.containerStatuses[0].restartCount = 2
    const {ctl, actions} = setup(j, [p])
    await ctl.sync('default/pi')
    assert.ok(actions.some((a) => a.verb === 'delete' && a.path.endsWith('/pods/pi-a')))
    assert.deepEqual(trueTypes(lastStatus(actions)), ['FailureTarget:BackoffLimitExceeded'])
  })

  it('stops the pods of a Job past activeDeadlineSeconds with DeadlineExceeded; Failed waits for them to terminate', async () => {
    const j = job({completions: 1, parallelism: 1, activeDeadlineSeconds: 30})
    const {ctl, actions, podl, jobs} = setup(j, [pod('pi-a', j, {ready: true})])
    await ctl.sync('default/pi')
    assert.deepEqual(verbs(actions), ['delete /api/v1/namespaces/default/pods/pi-a', `update ${STATUS}`, 'patch:merge /api/v1/namespaces/default/pods/pi-a', `update ${STATUS}`])
    const s = lastStatus(actions)
    assert.deepEqual(trueTypes(s), ['FailureTarget:DeadlineExceeded'])
    assert.equal(s.terminating, 1)
    assert.equal(s.failed, 1)
    // The next sync, with the pod gone, turns the target into Failed.
    podl.remove(podl.get('default/pi-a')!)
    jobs.set({...j, metadata: {...j.metadata, resourceVersion: '9'}, status: s})
    actions.length = 0
    await ctl.sync('default/pi')
    assert.deepEqual(trueTypes(lastStatus(actions)), ['FailureTarget:DeadlineExceeded', 'Failed:DeadlineExceeded'])
  })

  it('requeues a running Job for when its deadline passes', async () => {
    const j = job({completions: 1, parallelism: 1, activeDeadlineSeconds: 100})
    const {ctl, clock} = setup(j, [pod('pi-a', j)])
    await ctl.sync('default/pi')
    await clock.advance(40_000)
    assert.equal(ctl.queue.len(), 0)
    await clock.advance(1_000)
    assert.equal(ctl.queue.len(), 1)
  })

  it('completes once succeeded reaches completions: SuccessCriteriaMet, Complete, completionTime, a Completed event', async () => {
    const j = job({completions: 2, parallelism: 2}, {succeeded: 1})
    const {ctl, actions, recorder} = setup(j, [pod('pi-a', j, {phase: 'Succeeded', exitCode: 0, finalizer: false}), pod('pi-b', j, {phase: 'Succeeded', exitCode: 0})])
    await ctl.sync('default/pi')
    const s = lastStatus(actions)
    assert.deepEqual(trueTypes(s), ['SuccessCriteriaMet:CompletionsReached', 'Complete:CompletionsReached'])
    assert.equal(s.succeeded, 2)
    assert.equal(s.completionTime, iso(T0 + 60_000))
    assert.equal(actions.filter((a) => a.verb === 'create').length, 0)
    assert.deepEqual(recorder.events, ['Normal Completed Job completed'])
  })

  it('Indexed: creates the missing indexes with annotation, label, hostname and JOB_COMPLETION_INDEX; records completedIndexes', async () => {
    const j = job({completions: 4, parallelism: 3, completionMode: 'Indexed'}, {completedIndexes: '0'})
    const {ctl, actions} = setup(j, [pod('pi-1-x', j, {index: 1, phase: 'Succeeded', exitCode: 0}), pod('pi-2-x', j, {index: 2})])
    await ctl.sync('default/pi')
    const creates = actions.filter((a) => a.verb === 'create').map((a) => a.body)
    assert.deepEqual(creates.map((c) => c.metadata.annotations['batch.kubernetes.io/job-completion-index']), ['3'])
    const c = creates[0]
    assert.equal(c.metadata.generateName, 'pi-3-')
    assert.equal(c.metadata.labels['batch.kubernetes.io/job-completion-index'], '3')
    assert.equal(c.spec.hostname, 'pi-3')
    assert.deepEqual(c.spec.containers[0].env, [{name: 'JOB_COMPLETION_INDEX', valueFrom: {fieldRef: {fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']"}}}])
    const s = lastStatus(actions)
    assert.equal(s.completedIndexes, '0-1')
    assert.equal(s.succeeded, 2)
    assert.deepEqual(parseIndexes('0-2,5,7-8', 8), new Set([0, 1, 2, 5, 7]))
    assert.equal(formatIndexes([5, 0, 1, 2, 7]), '0-2,5,7')
  })

  it('Indexed with backoffLimitPerIndex: an index out of retries is failed, and the Job fails with FailedIndexes', async () => {
    const j = job({completions: 2, parallelism: 2, completionMode: 'Indexed', backoffLimitPerIndex: 1, backoffLimit: 2147483647}, {completedIndexes: '0', succeeded: 1})
    const p = pod('pi-1-b', j, {index: 1, phase: 'Failed', exitCode: 1})
    p.metadata.annotations!['batch.kubernetes.io/job-index-failure-count'] = '1'
    const {ctl, actions} = setup(j, [p])
    await ctl.sync('default/pi')
    const s = lastStatus(actions)
    assert.equal(s.failedIndexes, '1')
    assert.deepEqual(trueTypes(s), ['FailureTarget:FailedIndexes', 'Failed:FailedIndexes'])
  })

  it('Indexed with a successPolicy: SuccessCriteriaMet once the listed indexes succeeded, the other pods stopped', async () => {
    const j = job({completions: 3, parallelism: 3, completionMode: 'Indexed', successPolicy: {rules: [{succeededIndexes: '0'}]}})
    const {ctl, actions} = setup(j, [pod('pi-0-a', j, {index: 0, phase: 'Succeeded', exitCode: 0}), pod('pi-1-a', j, {index: 1}), pod('pi-2-a', j, {index: 2})])
    await ctl.sync('default/pi')
    assert.deepEqual(actions.filter((a) => a.verb === 'delete').map((a) => a.path.split('/').pop()).sort(), ['pi-1-a', 'pi-2-a'])
    const s = lastStatus(actions)
    assert.deepEqual(trueTypes(s), ['SuccessCriteriaMet:SuccessPolicy'])
    assert.equal(s.conditions[0].message, 'Matched rules at index 0')
    assert.equal(s.failed, undefined)
    assert.equal(s.terminating, 2)
  })

  it('pod failure policy: FailJob fails the Job with reason PodFailurePolicy, Ignore does not count the failure', async () => {
    const rules = [
      {action: 'FailJob', onExitCodes: {containerName: 'main', operator: 'In', values: [42]}},
      {action: 'Ignore', onPodConditions: [{type: 'DisruptionTarget', status: 'True'}]},
    ]
    const j = job({completions: 1, parallelism: 1, backoffLimit: 0, podFailurePolicy: {rules}, podReplacementPolicy: 'Failed'})
    const fatal = setup(j, [pod('pi-a', j, {phase: 'Failed', exitCode: 42})])
    await fatal.ctl.sync('default/pi')
    const c = lastStatus(fatal.actions).conditions.find((x: any) => x.type === 'Failed')
    assert.equal(c.reason, 'PodFailurePolicy')
    assert.equal(c.message, 'Container main for pod default/pi-a failed with exit code 42 matching FailJob rule at index 0')
    const ignored = setup(j, [pod('pi-a', j, {phase: 'Failed', exitCode: 137, finishedAt: T0, conditions: [{type: 'DisruptionTarget', status: 'True'}]})])
    await ignored.ctl.sync('default/pi')
    const s = lastStatus(ignored.actions)
    assert.equal(s.failed, undefined)
    assert.deepEqual(trueTypes(s), [])
    // The ignored failure is released without counting and replaced at once (it starts no back-off).
    assert.deepEqual(verbs(ignored.actions).slice(0, 1), ['create /api/v1/namespaces/default/pods'])
    assert.ok(verbs(ignored.actions).includes('patch:merge /api/v1/namespaces/default/pods/pi-a'))
  })

  it('suspend deletes the active pods and sets Suspended; resume sets it False and restarts startTime', async () => {
    const j = job({completions: 1, parallelism: 1, suspend: true})
    const {ctl, actions, recorder} = setup(j, [pod('pi-a', j)])
    await ctl.sync('default/pi')
    assert.deepEqual(verbs(actions).slice(0, 1), ['delete /api/v1/namespaces/default/pods/pi-a'])
    const s = lastStatus(actions)
    assert.deepEqual(trueTypes(s), ['Suspended:JobSuspended'])
    assert.equal(s.startTime, undefined)
    assert.ok(recorder.events.includes('Normal Suspended Job suspended'))
    const resumed = job({completions: 1, parallelism: 1, suspend: false}, {conditions: s.conditions, startTime: iso(T0)})
    const r = setup(resumed, [], T0 + 120_000)
    await r.ctl.sync('default/pi')
    const rs = lastStatus(r.actions)
    assert.equal(rs.conditions[0].status, 'False')
    assert.equal(rs.conditions[0].reason, 'JobResumed')
    assert.equal(rs.startTime, iso(T0 + 120_000))
    assert.equal(r.actions.filter((a) => a.verb === 'create').length, 1)
  })

  it('removes the finalizer of a pod whose Job is gone, also when the pod changed last while the Job was cached', async () => {
    const j = job()
    const {ctl, actions, jobs, podl} = setup(j, [pod('pi-a', j, {deleting: true})])
    jobs.remove(j)
    assert.equal(ctl.queue.len(), 1)
    assert.equal(await ctl.queue.get(), 'orphan-pod:default/pi-a')
    await ctl.sync('orphan-pod:default/pi-a')
    assert.deepEqual(verbs(actions), ['patch:merge /api/v1/namespaces/default/pods/pi-a'])
    podl.set(pod('pi-b', j, {phase: 'Succeeded'}))
    assert.equal(await ctl.queue.get(), 'orphan-pod:default/pi-b')
  })
})
