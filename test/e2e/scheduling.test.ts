// End to end: pod anti-affinity, topology spread, PriorityClass admission and preemption, with real kubectl on a 1+2 node cluster.
import assert from 'node:assert/strict'
import {useSharedCluster} from '../helpers/cli.js'
import {waitFor} from '../helpers/wait.js'

const name = `sc${process.pid % 100000}`
const IMAGE = 'skiff/busybox:test'
const W1 = `${name}-worker`
const W2 = `${name}-worker2`
const HOST = 'kubernetes.io/hostname'

/** A pod that sleeps and stops at once on TERM; `extra` is YAML indented under spec; hostPort, when given, is taken on its node. */
const pod = (n: string, labels: Record<string, string>, extra = '', hostPort?: number) => `apiVersion: v1
kind: Pod
metadata:
  name: ${n}
  labels: ${JSON.stringify(labels)}
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: app
      image: ${IMAGE}
      imagePullPolicy: IfNotPresent
      command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
${hostPort ? `      ports: [{containerPort: 80, hostPort: ${hostPort}}]\n` : ''}${extra}`

const antiAffinity = `  affinity:
    podAntiAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        - labelSelector: {matchLabels: {app: anti}}
          topologyKey: ${HOST}
`

describe('scheduling: affinity, topology spread, priority and preemption (end to end)', function () {
  this.timeout(900_000)
  const {k} = useSharedCluster(name, IMAGE)
  const get = (n: string) => k.json(['get', 'pod', n])
  const running = async (n: string) => {
    const p = await get(n).catch(() => undefined)
    return p?.status?.phase === 'Running' && p
  }

  it('serves the system PriorityClasses and refuses a pod naming a missing class in Kubernetes\' words', async () => {
    const table = (await k.run(['get', 'priorityclass'])).stdout
    assert.match(table, /^NAME\s+VALUE\s+GLOBAL-DEFAULT\s+AGE\s+PREEMPTIONPOLICY$/m)
    assert.match(table, /^system-cluster-critical\s+2000000000\s+false\s+\S+\s+PreemptLowerPriority$/m)
    assert.match(table, /^system-node-critical\s+2000001000\s+false\s+\S+\s+PreemptLowerPriority$/m)
    const refused = await k.run(['apply', '-f', '-'], pod('x', {app: 'x'}, '  priorityClassName: nope\n'))
    assert.notEqual(refused.code, 0)
    assert.match(refused.stderr, /pods "x" is forbidden: no PriorityClass with name nope was found/)
    const reserved = await k.run(['create', 'priorityclass', 'system-mine', '--value=5'])
    assert.notEqual(reserved.code, 0)
    assert.match(reserved.stderr, /priority class names with 'system-' prefix are reserved for system use only/)
    const kept = await k.run(['delete', 'priorityclass', 'system-node-critical'])
    assert.notEqual(kept.code, 0)
    assert.match(kept.stderr, /"system-node-critical" is forbidden: this is a system priority class and cannot be deleted/)
  })

  it('places two pods with required anti-affinity on different workers and leaves a third Pending with the upstream message', async () => {
    const manifest = ['anti-1', 'anti-2', 'anti-3'].map((n) => pod(n, {app: 'anti'}, antiAffinity)).join('---\n')
    assert.equal((await k.run(['apply', '-f', '-'], manifest)).code, 0)
    const nodes = await waitFor('two anti pods bound', async () => {
      const ps = (await k.json(['get', 'pods', '-l', 'app=anti'])).items as any[]
      const bound = ps.filter((p) => p.spec.nodeName)
      return bound.length === 2 && bound.map((p) => p.spec.nodeName).sort()
    }, 120_000, 500)
    assert.deepEqual(nodes, [W1, W2])
    const message = "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 node(s) didn't match pod anti-affinity rules. " +
      'preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.'
    const pending = await waitFor('the third pod reported unschedulable', async () => {
      const ps = (await k.json(['get', 'pods', '-l', 'app=anti'])).items as any[]
      const p = ps.find((x) => !x.spec.nodeName)
      const cond = (p?.status?.conditions ?? []).find((c: any) => c.type === 'PodScheduled')
      return cond?.message === message && p
    }, 60_000, 500)
    assert.equal(pending.status.phase, 'Pending')
    const events = await k.run(['get', 'events', '--field-selector', `involvedObject.name=${pending.metadata.name},reason=FailedScheduling`, '-o', 'jsonpath={.items[*].message}'])
    assert.ok(events.stdout.includes(message), events.stdout)
    assert.equal((await k.run(['delete', 'pods', '-l', 'app=anti', '--wait=false'])).code, 0)
  })

  it('spreads 4 replicas 2/2 over the workers with maxSkew 1, against a preferred node affinity for one worker', async () => {
    const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: spread
spec:
  replicas: 4
  selector: {matchLabels: {app: spread}}
  template:
    metadata:
      labels: {app: spread}
    spec:
      terminationGracePeriodSeconds: 1
      affinity:
        nodeAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 100
              preference: {matchExpressions: [{key: ${HOST}, operator: In, values: [${W1}]}]}
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: ${HOST}
          whenUnsatisfiable: DoNotSchedule
          nodeTaintsPolicy: Honor
          labelSelector: {matchLabels: {app: spread}}
      containers:
        - name: app
          image: ${IMAGE}
          imagePullPolicy: IfNotPresent
          command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
`
    assert.equal((await k.run(['apply', '-f', '-'], deployment)).code, 0)
    const placed = await waitFor('4 spread pods bound', async () => {
      const ps = ((await k.json(['get', 'pods', '-l', 'app=spread'])).items as any[]).filter((p) => p.spec.nodeName && !p.metadata.deletionTimestamp)
      return ps.length === 4 && ps.map((p) => p.spec.nodeName)
    }, 120_000, 500)
    assert.deepEqual([placed.filter((n) => n === W1).length, placed.filter((n) => n === W2).length], [2, 2])
    assert.equal((await k.run(['delete', 'deployment', 'spread'])).code, 0)
  })

  it('lets a high-priority pod preempt a low-priority one holding the host port it needs on a full cluster', async () => {
    const low = [W1, W2].map((w, i) => pod(`low-${i + 1}`, {app: 'low'}, `  nodeSelector: {${HOST}: ${w}}\n`, 18080))
    assert.equal((await k.run(['apply', '-f', '-'], low.join('---\n'))).code, 0)
    await waitFor('both low pods running', async () => (await running('low-1')) && (await running('low-2')), 120_000, 500)
    const created = await k.run(['create', 'priorityclass', 'high', '--value=1000', '--description=preempts'])
    assert.equal(created.code, 0, created.stderr)
    const high = pod('high', {app: 'high'}, '  priorityClassName: high\n', 18080)
    const applied = await k.run(['apply', '-f', '-'], high)
    assert.equal(applied.code, 0, applied.stderr)
    const p = await waitFor('the high pod running', () => running('high'), 120_000, 500)
    assert.equal(p.spec.priority, 1000)
    assert.equal(p.spec.preemptionPolicy, 'PreemptLowerPriority')
    const node = p.spec.nodeName
    assert.ok([W1, W2].includes(node))
    const victim = node === W1 ? 'low-1' : 'low-2'
    const survivor = node === W1 ? 'low-2' : 'low-1'
    await waitFor(`${victim} gone`, async () => (await k.run(['get', 'pod', victim])).code !== 0, 60_000, 500)
    assert.ok(await running(survivor), `${survivor} still runs`)
    const preempted = await k.run(['get', 'events', '--field-selector', `involvedObject.name=${victim},reason=Preempted`, '-o', 'jsonpath={.items[*].message}'])
    assert.equal(preempted.stdout, `Preempted by pod ${p.metadata.uid} on node ${node}`)
    const failed = await k.run(['get', 'events', '--field-selector', 'involvedObject.name=high,reason=FailedScheduling', '-o', 'jsonpath={.items[*].message}'])
    assert.match(failed.stdout, /0\/3 nodes are available: 1 node\(s\) had untolerated taint \{node-role.kubernetes.io\/control-plane: \}, 2 node\(s\) didn't have free ports for the requested pod ports\./)
  })
})
