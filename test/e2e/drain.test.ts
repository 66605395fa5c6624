// End to end: kubectl drain/cordon through the eviction API and PodDisruptionBudgets, and ReplicationControllers, on a 1+2 node cluster.
import assert from 'node:assert/strict'
import {join} from 'node:path'
import {run, useSharedCluster} from '../helpers/cli.js'
import {waitFor} from '../helpers/wait.js'

const name = `dr${process.pid % 100000}`
const IMAGE = 'skiff/busybox:test'
const W1 = `${name}-worker`
const W2 = `${name}-worker2`

const workload = (kind: 'Deployment' | 'ReplicationController', n: string, replicas: number) => `apiVersion: ${kind === 'Deployment' ? 'apps/v1' : 'v1'}
kind: ${kind}
metadata:
  name: ${n}
spec:
  replicas: ${replicas}
  selector:
    ${kind === 'Deployment' ? `matchLabels: {app: ${n}}` : `app: ${n}`}
  template:
    metadata:
      labels: {app: ${n}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: app
          image: ${IMAGE}
          imagePullPolicy: IfNotPresent
          command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
`

describe('drain, disruption budgets and replication controllers (end to end)', function () {
  this.timeout(900_000)
  const {k, cluster} = useSharedCluster(name, IMAGE)
  /** kubectl with a deadline of its own, for drains that outlast kubectlFor's 60 s. */
  const long = (args: string[], timeoutMs: number) => run('kubectl', ['--kubeconfig', cluster.kubeconfig, '--cache-dir', join(cluster.dir, 'cache'), ...args], {timeoutMs})
  const pods = async (selector: string) => ((await k.json(['get', 'pods', '-l', selector])).items as any[]).filter((p) => !p.metadata.deletionTimestamp)
  const ready = (p: any) => p.status?.phase === 'Running' && (p.status.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True')
  const readyOn = async (selector: string, count: number, nodes?: string[]) => {
    const ps = (await pods(selector)).filter(ready)
    return ps.length === count && (!nodes || ps.every((p) => nodes.includes(p.spec.nodeName))) && ps
  }
  const pdbStatus = async () => (await k.json(['get', 'pdb', 'web'])).status ?? {}

  it('runs a Deployment of 4 spread over both workers', async () => {
    assert.equal((await k.run(['apply', '-f', '-'], workload('Deployment', 'web', 4))).code, 0)
    const ps = await waitFor('4 ready web pods', () => readyOn('app=web', 4), 180_000, 1000)
    assert.deepEqual([...new Set(ps.map((p) => p.spec.nodeName))].sort(), [W1, W2])
  })

  it('drains a worker: its pods are evicted and come back on the other worker; the node stays unschedulable until uncordoned', async () => {
    const onW1 = (await pods('app=web')).filter((p) => p.spec.nodeName === W1).map((p) => p.metadata.name)
    assert.ok(onW1.length > 0)
    const drained = await long(['drain', W1, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=120s'], 150_000)
    assert.equal(drained.code, 0, drained.stderr)
    for (const p of onW1) assert.match(drained.stdout, new RegExp(`pod/${p} evicted`))
    assert.match(drained.stdout, new RegExp(`node/${W1} drained`))
    await waitFor('4 ready web pods, all on the other worker', () => readyOn('app=web', 4, [W2]), 120_000, 1000)
    const node = await k.json(['get', 'node', W1])
    assert.equal(node.spec.unschedulable, true)
    assert.match((await k.run(['get', 'node', W1])).stdout, /SchedulingDisabled/)
    const cordonTaint = async () => ((await k.json(['get', 'node', W1])).spec.taints ?? []).some((t: any) => t.key === 'node.kubernetes.io/unschedulable' && t.effect === 'NoSchedule')
    await waitFor('the cordon taint on the drained node', cordonTaint, 30_000, 500)
    // The evicted pods are gone, not just terminating.
    const left = (await k.json(['get', 'pods', '-l', 'app=web'])).items.map((p: any) => p.metadata.name)
    for (const p of onW1) assert.ok(!left.includes(p), `${p} still exists`)

    assert.equal((await k.run(['uncordon', W1])).code, 0)
    assert.equal((await k.json(['get', 'node', W1])).spec.unschedulable ?? false, false)
    await waitFor('the cordon taint to go', async () => !(await cordonTaint()), 30_000, 500)
  })

  it('keeps a drain retrying while a budget forbids any eviction, and shows it in kubectl get pdb', async () => {
    const created = await k.run(['create', 'poddisruptionbudget', 'web', '--selector=app=web', '--min-available=4'])
    assert.equal(created.code, 0, created.stderr)
    const st = await waitFor('the budget to count 4 healthy pods', async () => {
      const s = await pdbStatus()
      return s.currentHealthy === 4 && s.expectedPods === 4 && s
    }, 60_000, 500)
    assert.deepEqual([st.desiredHealthy, st.disruptionsAllowed], [4, 0])
    assert.deepEqual(st.conditions.map((c: any) => [c.type, c.status, c.reason]), [['DisruptionAllowed', 'False', 'InsufficientPods']])
    const table = (await k.run(['get', 'pdb'])).stdout
    assert.match(table, /^NAME\s+MIN AVAILABLE\s+MAX UNAVAILABLE\s+ALLOWED DISRUPTIONS\s+AGE$/m)
    assert.match(table, /^web\s+4\s+N\/A\s+0\s+\S+$/m)
    const described = await k.run(['describe', 'pdb', 'web'])
    assert.equal(described.code, 0, described.stderr)
    assert.match(described.stdout, /Min available:\s+4/)
    assert.match(described.stdout, /Allowed disruptions:\s+0/)
    assert.match(described.stdout, /Current:\s+4/)

    const refused = await long(['drain', W2, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=15s'], 60_000)
    assert.notEqual(refused.code, 0)
    assert.match(refused.stderr, /Cannot evict pod as it would violate the pod's disruption budget/)
    // Nothing was evicted: the four pods still run where they were.
    assert.ok(await readyOn('app=web', 4, [W2]))
  })

  it('lets the drain through once the budget allows disruptions', async () => {
    assert.equal((await k.run(['patch', 'pdb', 'web', '--type=merge', '-p', '{"spec":{"minAvailable":3}}'])).code, 0)
    await waitFor('one allowed disruption', async () => (await pdbStatus()).disruptionsAllowed === 1, 60_000, 500)
    assert.match((await k.run(['get', 'pdb', 'web'])).stdout, /^web\s+3\s+N\/A\s+1\s+\S+$/m)
    // One eviction at a time: each one waits for a replacement on the other worker to become ready.
    const drained = await long(['drain', W2, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=240s'], 270_000)
    assert.equal(drained.code, 0, drained.stderr)
    assert.match(drained.stdout, new RegExp(`node/${W2} drained`))
    await waitFor('4 ready web pods on the first worker', () => readyOn('app=web', 4, [W1]), 120_000, 1000)
    assert.equal((await k.run(['uncordon', W2])).code, 0)
    assert.equal((await k.run(['delete', 'pdb', 'web'])).code, 0)
    assert.equal((await k.run(['delete', 'deployment', 'web'])).code, 0)
  })

  it('runs a ReplicationController of 2 and scales it to 3 with kubectl scale rc', async () => {
    assert.equal((await k.run(['apply', '-f', '-'], workload('ReplicationController', 'legacy', 2))).code, 0)
    const two = await waitFor('2 ready legacy pods', () => readyOn('app=legacy', 2), 120_000, 1000)
    for (const p of two) assert.deepEqual(p.metadata.ownerReferences.map((r: any) => [r.kind, r.name, r.controller]), [['ReplicationController', 'legacy', true]])
    const scaled = await k.run(['scale', 'rc', 'legacy', '--replicas=3'])
    assert.equal(scaled.code, 0, scaled.stderr)
    await waitFor('3 ready legacy pods', () => readyOn('app=legacy', 3), 120_000, 1000)
    await waitFor('the rc to report 3 ready', async () => /^legacy\s+3\s+3\s+3\s+/m.test((await k.run(['get', 'rc', 'legacy'])).stdout), 60_000, 1000)
    assert.equal((await k.run(['delete', 'rc', 'legacy'])).code, 0)
    await waitFor('the legacy pods to go', async () => (await k.json(['get', 'pods', '-l', 'app=legacy'])).items.length === 0, 120_000, 1000)
  })
})
