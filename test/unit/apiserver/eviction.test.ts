// The pods/eviction subresource over HTTP: discovery as kubectl drain reads it, budgets spent or refused (429/500), direct deletion of pods past disrupting, dry run and preconditions.
import assert from 'node:assert/strict'
import {MemoryStore} from '../../../src/store/index.js'
import {startTestServer, type TestServer} from '../../helpers/apiserver.js'

const pods = '/api/v1/namespaces/default/pods'
const pdbs = '/apis/policy/v1/namespaces/default/poddisruptionbudgets'

describe('apiserver: pods/eviction', () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer(new MemoryStore())
  })
  after(async () => server?.close())

  async function makePod(name: string, phase: string, labels: Record<string, string> = {app: 'web'}) {
    const created = await server.request('POST', pods, {body: {apiVersion: 'v1', kind: 'Pod', metadata: {name, labels}, spec: {containers: [{name: 'c', image: 'busybox'}]}}})
    assert.equal(created.status, 201, created.text)
    const ready = phase === 'Running' ? 'True' : 'False'
    const st = await server.request('PUT', `${pods}/${name}/status`, {body: {...created.json, status: {phase, conditions: [{type: 'Ready', status: ready}]}}})
    assert.equal(st.status, 200, st.text)
    return st.json
  }

  async function makeBudget(name: string, status: Record<string, unknown>, selector: unknown = {matchLabels: {app: 'web'}}) {
    const created = await server.request('POST', pdbs, {body: {apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: {name}, spec: {minAvailable: 1, selector}}})
    assert.equal(created.status, 201, created.text)
    const st = await server.request('PUT', `${pdbs}/${name}/status`, {body: {...created.json, status: {observedGeneration: created.json.metadata.generation, ...status}}})
    assert.equal(st.status, 200, st.text)
    return st.json
  }

  const evict = (name: string, extra: Record<string, unknown> = {}, query = '', apiVersion = 'policy/v1') =>
    server.request('POST', `${pods}/${name}/eviction${query}`, {body: {apiVersion, kind: 'Eviction', metadata: {name, namespace: 'default'}, ...extra}})
  const exists = async (path: string) => (await server.request('GET', path)).status === 200

  it('is advertised as pods/eviction with group policy, version v1, kind Eviction', async () => {
    const list = await server.request('GET', '/api/v1')
    const sub = list.json.resources.find((r: {name: string}) => r.name === 'pods/eviction')
    assert.deepEqual([sub.group, sub.version, sub.kind, sub.verbs], ['policy', 'v1', 'Eviction', ['create']])
  })

  it('refuses with 429 and the budget as cause when no disruption is allowed, and leaves the pod', async () => {
    await makePod('a', 'Running')
    await makeBudget('web', {disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 1, expectedPods: 1})
    const r = await evict('a')
    assert.equal(r.status, 429, r.text)
    assert.equal(r.headers['retry-after'], undefined)
    assert.equal(r.json.reason, 'TooManyRequests')
    assert.equal(r.json.message, "Cannot evict pod as it would violate the pod's disruption budget.")
    assert.deepEqual(r.json.details.causes, [{reason: 'DisruptionBudget', message: 'The disruption budget web needs 1 healthy pods and has 1 currently'}])
    assert.ok(await exists(`${pods}/a`))
  })

  it('deletes a pending pod without asking its budget', async () => {
    await makePod('pending', 'Pending')
    const r = await evict('pending')
    assert.equal(r.status, 201, r.text)
    assert.equal(r.json.status, 'Success')
    assert.equal(await exists(`${pods}/pending`), false)
  })

  it('spends one disruption: decrements, records the pod, marks the budget spent and the pod DisruptionTarget', async () => {
    const pdb = (await server.request('GET', `${pdbs}/web`)).json
    assert.equal((await server.request('PUT', `${pdbs}/web/status`, {body: {...pdb, status: {...pdb.status, disruptionsAllowed: 1, currentHealthy: 2}}})).status, 200)
    // A dry run checks the budget but changes nothing.
    const dry = await evict('a', {}, '?dryRun=All')
    assert.equal(dry.status, 201, dry.text)
    assert.ok(await exists(`${pods}/a`))
    assert.equal((await server.request('GET', `${pdbs}/web`)).json.status.disruptionsAllowed, 1)
    // A uid precondition that does not hold is a conflict, before anything is deleted.
    const wrong = await evict('a', {deleteOptions: {preconditions: {uid: 'not-it'}}})
    assert.equal(wrong.status, 409, wrong.text)
    assert.ok(await exists(`${pods}/a`))
    const uid = (await server.request('GET', `${pods}/a`)).json.metadata.uid
    const r = await evict('a', {deleteOptions: {preconditions: {uid}}})
    assert.equal(r.status, 201, r.text)
    assert.equal(await exists(`${pods}/a`), false)
    const after = (await server.request('GET', `${pdbs}/web`)).json.status
    assert.equal(after.disruptionsAllowed, 0)
    assert.deepEqual(Object.keys(after.disruptedPods), ['a'])
    const cond = after.conditions.find((c: {type: string}) => c.type === 'DisruptionAllowed')
    assert.deepEqual([cond.status, cond.reason], ['False', 'InsufficientPods'])
  })

  it('puts the DisruptionTarget condition on a pod it deletes gracefully', async () => {
    const created = await server.request('POST', pods, {body: {apiVersion: 'v1', kind: 'Pod', metadata: {name: 'bound', labels: {app: 'other'}}, spec: {nodeName: 'n1', containers: [{name: 'c', image: 'busybox'}]}}})
    await server.request('PUT', `${pods}/bound/status`, {body: {...created.json, status: {phase: 'Running', conditions: [{type: 'Ready', status: 'True'}]}}})
    const r = await evict('bound', {deleteOptions: {gracePeriodSeconds: 30}}, '', 'policy/v1beta1')
    assert.equal(r.status, 201, r.text)
    const pod = (await server.request('GET', `${pods}/bound`)).json
    assert.ok(pod.metadata.deletionTimestamp)
    assert.equal(pod.metadata.deletionGracePeriodSeconds, 30)
    const cond = pod.status.conditions.find((c: {type: string}) => c.type === 'DisruptionTarget')
    assert.deepEqual([cond.status, cond.reason, cond.message], ['True', 'EvictionByEvictionAPI', 'Eviction API: evicting'])
  })

  it('passes a terminating pod straight to delete, so a zero grace period removes it now', async () => {
    const r = await evict('bound', {deleteOptions: {gracePeriodSeconds: 0}})
    assert.equal(r.status, 201, r.text)
    assert.equal(await exists(`${pods}/bound`), false)
  })

  it('answers 429 while the budget controller has not observed the latest spec', async () => {
    await makePod('b', 'Running', {app: 'api'})
    const pdb = await makeBudget('api', {disruptionsAllowed: 3}, {matchLabels: {app: 'api'}})
    const bumped = await server.request('PUT', `${pdbs}/api`, {body: {...pdb, spec: {...pdb.spec, minAvailable: 0}}})
    assert.equal(bumped.status, 200, bumped.text)
    const r = await evict('b')
    assert.equal(r.status, 429)
    assert.equal(r.json.details.causes[0].message, 'The disruption budget api is still being processed by the server.')
    assert.equal(r.json.details.retryAfterSeconds, 10)
    assert.equal(r.headers['retry-after'], '10')
  })

  it('answers 500 when more than one budget selects the pod', async () => {
    await makeBudget('api-too', {disruptionsAllowed: 3}, {matchExpressions: [{key: 'app', operator: 'In', values: ['api']}]})
    const r = await evict('b')
    assert.equal(r.status, 500)
    assert.equal(r.json.message, 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.')
    assert.ok(await exists(`${pods}/b`))
  })

  it('answers 404 for a pod that does not exist', async () => {
    assert.equal((await evict('nope')).status, 404)
  })
})
