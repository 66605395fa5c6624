// The controller manager in-process against a real apiserver over a MemoryStore: deployments roll out, roll back, scale, and are collected.
import {strict as assert} from 'node:assert'
import type {KubeObject} from '../../../src/api/types.js'
import {ApiClient} from '../../../src/client/api-client.js'
import {ControllerManager} from '../../../src/controllers/manager.js'
import {MemoryStore} from '../../../src/store/index.js'
import {type TestServer, startTestServer} from '../../helpers/apiserver.js'
import {waitFor} from '../../helpers/wait.js'

// In-process convergence takes milliseconds: poll often, give up after 10 s.
const until = <T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 10_000) => waitFor(what, check, timeoutMs, 20)

const NS = 'team'
const DEPLOYS = {group: 'apps', version: 'v1', resource: 'deployments', namespace: NS}
const RSES = {group: 'apps', version: 'v1', resource: 'replicasets', namespace: NS}
const PODS = {version: 'v1', resource: 'pods', namespace: NS}
const isReady = (p: KubeObject) => (p.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True')

function deployment(name: string, replicas: number, image: string): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {name, namespace: NS, annotations: {'kubernetes.io/change-cause': `image ${image}`}},
    spec: {
      replicas,
      selector: {matchLabels: {app: name}},
      template: {metadata: {labels: {app: name}}, spec: {containers: [{name: 'app', image}]}},
    },
  }
}

describe('controllers (in-process with apiserver)', function () {
  this.timeout(60_000)
  let server: TestServer
  let store: MemoryStore
  let client: ApiClient
  const abort = new AbortController()
  let running: Promise<void>
  let kubelet: NodeJS.Timeout
  const logs: string[] = []

  const pods = async (selector?: string) => (await client.list(PODS, {labelSelector: selector})).items
  const rses = async (selector?: string) => (await client.list(RSES, {labelSelector: selector})).items
  const getDeploy = (name: string) => client.get({...DEPLOYS, name})
  const rolledOut = async (name: string) => {
    const d = await getDeploy(name)
    const s = d.status ?? {}
    const want = d.spec.replicas
    const ok = (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 1) && (s.updatedReplicas ?? 0) >= want && (s.replicas ?? 0) <= (s.updatedReplicas ?? 0) && (s.availableReplicas ?? 0) >= (s.updatedReplicas ?? 0)
    // What kubectl rollout status checks, plus: the surplus pods are really gone.
    return ok && (await pods(`app=${name}`)).length === want && d
  }

  before(async () => {
    store = new MemoryStore()
    server = await startTestServer(store)
    client = new ApiClient({server: `https://127.0.0.1:${server.port}`, ca: server.ca, cert: server.admin.cert, key: server.admin.key})
    await client.create({version: 'v1', resource: 'namespaces'}, {apiVersion: 'v1', kind: 'Namespace', metadata: {name: NS}})
    const manager = new ControllerManager({client, log: (m) => logs.push(m), enabled: ['replicaset', 'deployment', 'garbagecollector', 'namespace']})
    running = manager.run(abort.signal)
    // Stands in for the kubelets: every new pod turns Running and Ready shortly after it appears.
    let busy = false
    kubelet = setInterval(async () => {
      if (busy) return
      busy = true
      try {
        for (const p of await pods()) {
          if (isReady(p) || p.metadata.deletionTimestamp) continue
          const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')
          await client
            .patch({...PODS, name: p.metadata.name!, subresource: 'status'}, {status: {phase: 'Running', conditions: [{type: 'Ready', status: 'True', lastTransitionTime: now}]}}, 'merge')
            .catch(() => {})
        }
      } catch {
        // The namespace may be going away.
      } finally {
        busy = false
      }
    }, 30)
  })

  after(async () => {
    clearInterval(kubelet)
    abort.abort()
    await running
    client?.close()
    await server?.close()
    await store?.close()
  })

  it('creates a ReplicaSet with 3 pods for a Deployment and reports it Available, with events', async () => {
    await client.create(DEPLOYS, deployment('web', 3, 'nginx:1'))
    const d = await until('rollout of web', () => rolledOut('web'))
    assert.equal(d.metadata.annotations?.['deployment.kubernetes.io/revision'], '1')
    const [rs] = await rses('app=web')
    assert.match(rs.metadata.name!, /^web-[bcdfghjklmnpqrstvwxz2456789]+$/)
    const hash = rs.metadata.labels!['pod-template-hash']
    assert.equal(rs.metadata.name, `web-${hash}`)
    assert.equal(rs.spec.selector.matchLabels['pod-template-hash'], hash)
    assert.equal(rs.metadata.annotations!['deployment.kubernetes.io/desired-replicas'], '3')
    assert.equal(rs.metadata.annotations!['deployment.kubernetes.io/max-replicas'], '4')
    assert.equal(rs.metadata.annotations!['kubernetes.io/change-cause'], 'image nginx:1')
    assert.deepEqual(rs.metadata.ownerReferences, [{apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: d.metadata.uid, controller: true, blockOwnerDeletion: true}])
    for (const p of await pods('app=web')) {
      assert.match(p.metadata.name!, new RegExp(`^web-${hash}-[bcdfghjklmnpqrstvwxz2456789]{5}$`))
      assert.equal(p.metadata.ownerReferences![0].uid, rs.metadata.uid)
    }
    const conds = Object.fromEntries(d.status.conditions.map((c: any) => [c.type, c]))
    assert.equal(conds.Available.status, 'True')
    assert.equal(conds.Available.reason, 'MinimumReplicasAvailable')
    assert.equal(conds.Progressing.reason, 'NewReplicaSetAvailable')
    const events = await until('events', async () => {
      const items = (await client.list({version: 'v1', resource: 'events', namespace: NS})).items
      return items.length >= 4 && items
    })
    const messages = events.map((e) => `${e.source.component} ${e.reason} ${e.message}`)
    assert.ok(messages.includes(`deployment-controller ScalingReplicaSet Scaled up replica set ${rs.metadata.name} from 0 to 3`), messages.join('\n'))
    assert.equal(messages.filter((m) => m.startsWith('replicaset-controller SuccessfulCreate Created pod: ')).length, 3)
  })

  it('rolls out a new image without dropping below replicas - maxUnavailable ready pods', async () => {
    const before = await getDeploy('web')
    let minReady = Infinity
    let sampling = true
    const sampler = (async () => {
      while (sampling) {
        const ready = (await pods('app=web')).filter((p) => isReady(p) && !p.metadata.deletionTimestamp).length
        minReady = Math.min(minReady, ready)
        await new Promise((r) => setTimeout(r, 5))
      }
    })()
    await client.patch({...DEPLOYS, name: 'web'}, {spec: {template: {spec: {containers: [{name: 'app', image: 'nginx:2'}]}}}}, 'strategic')
    const d = await until('rollout to nginx:2', async () => (await getDeploy('web')).metadata.generation! > before.metadata.generation! && rolledOut('web'))
    sampling = false
    await sampler
    // 3 replicas, maxUnavailable 25% rounds down to 0: never fewer than 3 ready.
    assert.ok(minReady >= 3, `ready dropped to ${minReady}`)
    assert.equal(d.metadata.annotations?.['deployment.kubernetes.io/revision'], '2')
    const all = await rses('app=web')
    assert.equal(all.length, 2)
    const byRev = Object.fromEntries(all.map((rs) => [rs.metadata.annotations!['deployment.kubernetes.io/revision'], rs]))
    assert.equal(byRev['2'].spec.replicas, 3)
    assert.equal(byRev['1'].spec.replicas, 0)
    for (const p of await pods('app=web')) assert.equal(p.spec.containers[0].image, 'nginx:2')
  })

  it('rollout undo revives the old ReplicaSet and re-stamps its revision', async () => {
    const all = await rses('app=web')
    const old = all.find((rs) => rs.metadata.annotations!['deployment.kubernetes.io/revision'] === '1')!
    // What kubectl rollout undo sends: the old template without the hash label, with creationTimestamp null and resources {}.
    const template = structuredClone(old.spec.template)
    delete template.metadata.labels['pod-template-hash']
    template.metadata.creationTimestamp = null
    template.spec.containers[0].resources = {}
    const before = await getDeploy('web')
    await client.patch({...DEPLOYS, name: 'web'}, [{op: 'replace', path: '/spec/template', value: template}], 'json')
    const d = await until('undo', async () => (await getDeploy('web')).metadata.generation! > before.metadata.generation! && rolledOut('web'))
    const after = await rses('app=web')
    assert.equal(after.length, 2, 'undo must not create a ReplicaSet')
    const revived = after.find((rs) => rs.metadata.uid === old.metadata.uid)!
    assert.equal(revived.metadata.annotations!['deployment.kubernetes.io/revision'], '3')
    assert.equal(revived.metadata.annotations!['deployment.kubernetes.io/revision-history'], '1')
    assert.equal(revived.spec.replicas, 3)
    assert.equal(d.metadata.annotations?.['deployment.kubernetes.io/revision'], '3')
  })

  it('scales through the scale subresource', async () => {
    await client.patch({...DEPLOYS, name: 'web', subresource: 'scale'}, {spec: {replicas: 5}}, 'merge')
    await until('scale to 5', async () => (await getDeploy('web')).status?.availableReplicas === 5 && rolledOut('web'))
    await client.patch({...DEPLOYS, name: 'web', subresource: 'scale'}, {spec: {replicas: 2}}, 'merge')
    await until('scale to 2', () => rolledOut('web'))
  })

  it('deleting a Deployment (Background) removes its ReplicaSets and pods', async () => {
    await client.delete({...DEPLOYS, name: 'web'}, {propagationPolicy: 'Background'})
    await until('ReplicaSets and pods gone', async () => (await rses('app=web')).length === 0 && (await pods('app=web')).length === 0)
  })

  it('Foreground deletion keeps the Deployment until its dependents are gone', async () => {
    await client.create(DEPLOYS, deployment('fg', 2, 'nginx:1'))
    await until('rollout of fg', () => rolledOut('fg'))
    const answer: any = await client.delete({...DEPLOYS, name: 'fg'}, {propagationPolicy: 'Foreground'})
    assert.ok(answer.metadata.finalizers.includes('foregroundDeletion'))
    assert.ok(answer.metadata.deletionTimestamp)
    await until('fg gone', async () => {
      const gone = await getDeploy('fg').then(() => false, (err) => err.code === 404)
      return gone && (await rses('app=fg')).length === 0 && (await pods('app=fg')).length === 0
    })
  })

  it('Orphan deletion leaves the ReplicaSet without its owner reference', async () => {
    await client.create(DEPLOYS, deployment('orph', 1, 'nginx:1'))
    await until('rollout of orph', () => rolledOut('orph'))
    await client.delete({...DEPLOYS, name: 'orph'}, {propagationPolicy: 'Orphan'})
    await until('orph gone', () => getDeploy('orph').then(() => false, (err) => err.code === 404))
    const [rs] = await until('orphaned rs', async () => {
      const list = await rses('app=orph')
      return list.length === 1 && !(list[0].metadata.ownerReferences ?? []).length && list
    })
    assert.equal(rs.spec.replicas, 1)
    assert.equal((await pods('app=orph')).length, 1)
  })

  it('deleting the namespace removes its contents and then the namespace', async () => {
    await client.create({version: 'v1', resource: 'configmaps', namespace: NS}, {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'cfg'}, data: {a: '1'}})
    await client.delete({version: 'v1', resource: 'namespaces', name: NS}, {propagationPolicy: 'Background'})
    await until('namespace gone', () => client.get({version: 'v1', resource: 'namespaces', name: NS}).then(() => false, (err) => err.code === 404), 20_000)
    assert.equal((await client.list({version: 'v1', resource: 'configmaps', namespace: NS})).items.length, 0)
    assert.equal((await rses()).length, 0)
    assert.equal((await pods()).length, 0)
  })
})
