// End to end: DaemonSets on a real 1+2 node cluster with the real kubectl: placement by taints, rolling update, history and undo.
import assert from 'node:assert/strict'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {createSharedCluster, deleteClusterHard, kubectlFor, run, skiff} from '../helpers/cli.js'
import {waitFor} from '../helpers/wait.js'

const name = `ds${process.pid % 100000}`
const IMAGE = 'skiff/busybox:test'
const IMAGE2 = 'skiff/busybox:v2'
const CONTROL_PLANE_TOLERATION = `      tolerations:
        - {key: node-role.kubernetes.io/control-plane, operator: Exists, effect: NoSchedule}
`

const daemonSet = (n: string, extraSpec = '') => `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: ${n}
spec:
  selector:
    matchLabels: {app: ${n}}
  template:
    metadata:
      labels: {app: ${n}}
    spec:
      terminationGracePeriodSeconds: 1
${extraSpec}      containers:
        - name: app
          image: ${IMAGE}
          imagePullPolicy: IfNotPresent
          command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
`

describe('daemonsets (end to end)', function () {
  this.timeout(900_000)
  let dir: string
  let kubeconfig: string
  let k: ReturnType<typeof kubectlFor>
  const pods = async (selector: string) => (await k.json(['get', 'pods', '-l', selector])).items as any[]
  const live = (p: any) => !p.metadata.deletionTimestamp
  const ready = (p: any) => live(p) && p.status?.phase === 'Running' && (p.status.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True')
  const nodesOf = (ps: any[]) => ps.map((p) => p.spec.nodeName).sort()

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skiff-ds-'))
    kubeconfig = join(dir, 'config')
    k = kubectlFor(kubeconfig, join(dir, 'cache'))
    await createSharedCluster(name, kubeconfig, IMAGE)
    const tagged = await run('scripts/build-busybox-image.sh', [IMAGE, IMAGE2])
    assert.equal(tagged.code, 0, tagged.stderr)
    const load = await skiff(['image', 'load', IMAGE2, '--name', name])
    assert.equal(load.code, 0, load.stderr)
  })

  after(async () => {
    await deleteClusterHard(name, kubeconfig)
    if (dir) await rm(dir, {recursive: true, force: true})
  })

  it('runs one pod on each of the 3 nodes when it tolerates the control-plane taint', async () => {
    assert.equal((await k.run(['apply', '-f', '-'], daemonSet('all', CONTROL_PLANE_TOLERATION))).code, 0)
    const ps = await waitFor('a ready pod on every node', async () => {
      const p = (await pods('app=all')).filter(ready)
      return p.length === 3 && p
    }, 180_000, 1000)
    assert.deepEqual(nodesOf(ps), [`${name}-control-plane`, `${name}-worker`, `${name}-worker2`])
    // The controller placed them through node affinity on the node name and added the daemon tolerations.
    const terms = ps[0].spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms
    assert.deepEqual(terms, [{matchFields: [{key: 'metadata.name', operator: 'In', values: [ps[0].spec.nodeName]}]}])
    assert.ok(ps[0].spec.tolerations.some((t: any) => t.key === 'node.kubernetes.io/unschedulable' && t.effect === 'NoSchedule'))
    assert.ok(ps[0].metadata.labels['controller-revision-hash'])
    const ds = await waitFor('status to count 3 available', async () => {
      const d = await k.json(['get', 'ds', 'all'])
      return d.status?.numberAvailable === 3 && d
    }, 60_000, 500)
    assert.equal(ds.status.desiredNumberScheduled, 3)
    assert.equal(ds.status.currentNumberScheduled, 3)
    assert.equal(ds.status.numberReady, 3)
    assert.equal(ds.status.numberMisscheduled, 0)
    assert.equal(ds.metadata.annotations['deprecated.daemonset.template.generation'], '1')
    const table = await k.run(['get', 'ds', 'all'])
    assert.match(table.stdout, /^NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE/)
    assert.match(table.stdout, /\nall\s+3\s+3\s+3\s+3\s+3\s+<none>/)
    assert.equal((await k.run(['delete', 'ds', 'all', '--wait=false'])).code, 0)
  })

  it('runs only on the 2 workers without the toleration; set image rolls node by node; history and undo', async () => {
    assert.equal((await k.run(['apply', '-f', '-'], daemonSet('agent'))).code, 0)
    const first = await waitFor('a ready pod on each worker', async () => {
      const p = (await pods('app=agent')).filter(ready)
      return p.length === 2 && p
    }, 180_000, 1000)
    assert.deepEqual(nodesOf(first), [`${name}-worker`, `${name}-worker2`])
    const st = await k.run(['rollout', 'status', 'ds/agent', '--timeout=60s'])
    assert.equal(st.code, 0, st.stderr)

    assert.equal((await k.run(['set', 'image', 'ds/agent', `app=${IMAGE2}`])).code, 0)
    // Sample the pods while the rollout runs: never more than maxUnavailable (1) of the 2 nodes without a ready pod.
    const status = k.run(['rollout', 'status', 'ds/agent', '--timeout=180s'])
    let done = false
    void status.then(() => (done = true))
    let worstDown = 0
    let samples = 0
    while (!done) {
      const ps = await pods('app=agent')
      const readyNodes = new Set(ps.filter(ready).map((p) => p.spec.nodeName))
      worstDown = Math.max(worstDown, 2 - readyNodes.size)
      samples++
    }
    const rolled = await status
    assert.equal(rolled.code, 0, rolled.stderr)
    assert.match(rolled.stdout, /daemon set "agent" successfully rolled out/)
    assert.ok(worstDown <= 1, `at most one node down at once, saw ${worstDown} in ${samples} samples`)
    const after = (await pods('app=agent')).filter(ready)
    assert.deepEqual(nodesOf(after), [`${name}-worker`, `${name}-worker2`])
    assert.ok(after.every((p) => p.spec.containers[0].image === IMAGE2))
    assert.ok(after.every((p) => !first.some((f) => f.metadata.uid === p.metadata.uid)), 'every pod was replaced')
    // Node by node: the second node's new pod was only created once the first node's new pod was ready.
    const [early, late] = [...after].sort((a, b) => Date.parse(a.metadata.creationTimestamp) - Date.parse(b.metadata.creationTimestamp))
    const readyAt = Date.parse(early.status.conditions.find((c: any) => c.type === 'Ready').lastTransitionTime)
    assert.ok(Date.parse(late.metadata.creationTimestamp) >= readyAt, `${late.metadata.name} created before ${early.metadata.name} was ready`)

    const history = await k.run(['rollout', 'history', 'ds/agent'])
    assert.equal(history.code, 0, history.stderr)
    const revisions = history.stdout.split('\n').filter((l) => /^\d+\s/.test(l)).map((l) => Number(l.split(/\s+/)[0]))
    assert.deepEqual(revisions, [1, 2])
    const rev1 = await k.run(['rollout', 'history', 'ds/agent', '--revision=1'])
    assert.equal(rev1.code, 0, rev1.stderr)
    assert.match(rev1.stdout, new RegExp(`Image:\\s+${IMAGE.replace(/[.:/]/g, '\\$&')}`))

    const undo = await k.run(['rollout', 'undo', 'ds/agent'])
    assert.equal(undo.code, 0, undo.stderr)
    assert.match(undo.stdout, /rolled back/)
    const back = await k.run(['rollout', 'status', 'ds/agent', '--timeout=180s'])
    assert.equal(back.code, 0, back.stderr)
    const restored = await waitFor('both workers back on the old image', async () => {
      const ps = (await pods('app=agent')).filter(ready)
      return ps.length === 2 && ps.every((p) => p.spec.containers[0].image === IMAGE) && ps
    }, 120_000, 1000)
    assert.deepEqual(nodesOf(restored), [`${name}-worker`, `${name}-worker2`])
    // The old revision was revived and renumbered, not duplicated: revisions 2 and 3 remain.
    const again = await k.run(['rollout', 'history', 'ds/agent'])
    assert.deepEqual(again.stdout.split('\n').filter((l) => /^\d+\s/.test(l)).map((l) => Number(l.split(/\s+/)[0])), [2, 3])
    const ds = await k.json(['get', 'ds', 'agent'])
    assert.equal(ds.metadata.annotations['deprecated.daemonset.template.generation'], '3')
    assert.equal((await k.run(['delete', 'ds', 'agent'])).code, 0)
  })

  it('maxSurge: the new pod starts next to the old one, so no node is ever without a ready pod', async () => {
    const surge = daemonSet('surge').replace('spec:\n  selector:', 'spec:\n  updateStrategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}\n  selector:')
    assert.equal((await k.run(['apply', '-f', '-'], surge)).code, 0)
    const first = await waitFor('a ready pod on each worker', async () => {
      const p = (await pods('app=surge')).filter(ready)
      return p.length === 2 && p
    }, 120_000, 1000)
    assert.equal((await k.run(['set', 'image', 'ds/surge', `app=${IMAGE2}`])).code, 0)
    const status = k.run(['rollout', 'status', 'ds/surge', '--timeout=180s'])
    let done = false
    void status.then(() => (done = true))
    let worstDown = 0
    let mostLive = 0
    while (!done) {
      const ps = await pods('app=surge')
      worstDown = Math.max(worstDown, 2 - new Set(ps.filter(ready).map((p) => p.spec.nodeName)).size)
      mostLive = Math.max(mostLive, ps.filter(live).length)
    }
    const rolled = await status
    assert.equal(rolled.code, 0, rolled.stderr)
    assert.equal(worstDown, 0, 'a node was left without a ready pod')
    const after = (await pods('app=surge')).filter(ready)
    assert.ok(after.length === 2 && after.every((p) => p.spec.containers[0].image === IMAGE2 && !first.some((f) => f.metadata.uid === p.metadata.uid)))
    // One surge pod at a time (maxSurge 1): an old and a new pod side by side on one node, never on both at once.
    assert.equal(mostLive, 3)
    assert.equal((await k.run(['delete', 'ds', 'surge'])).code, 0)
  })

  it('follows node labels: a pod appears on a node that starts matching the nodeSelector and goes when it stops', async () => {
    assert.equal((await k.run(['apply', '-f', '-'], daemonSet('edge', '      nodeSelector: {role: edge}\n'))).code, 0)
    const ds = await waitFor('status observed', async () => {
      const d = await k.json(['get', 'ds', 'edge'])
      return d.status?.observedGeneration === d.metadata.generation && d
    }, 60_000, 500)
    assert.equal(ds.status.desiredNumberScheduled, 0)
    assert.equal((await k.run(['label', 'node', `${name}-worker2`, 'role=edge'])).code, 0)
    try {
      const ps = await waitFor('a pod on the labelled node', async () => {
        const p = (await pods('app=edge')).filter(ready)
        return p.length === 1 && p
      }, 120_000, 1000)
      assert.deepEqual(nodesOf(ps), [`${name}-worker2`])
    } finally {
      assert.equal((await k.run(['label', 'node', `${name}-worker2`, 'role-'])).code, 0)
    }
    await waitFor('the pod gone after the label went', async () => (await pods('app=edge')).length === 0, 120_000, 1000)
    assert.equal((await k.json(['get', 'ds', 'edge'])).status.desiredNumberScheduled, 0)
    assert.equal((await k.run(['delete', 'ds', 'edge'])).code, 0)
  })

  it('OnDelete: a template change replaces a pod only when it is deleted', async () => {
    assert.equal((await k.run(['apply', '-f', '-'], daemonSet('lazy').replace('spec:\n  selector:', 'spec:\n  updateStrategy: {type: OnDelete}\n  selector:'))).code, 0)
    const first = await waitFor('a ready pod on each worker', async () => {
      const p = (await pods('app=lazy')).filter(ready)
      return p.length === 2 && p
    }, 120_000, 1000)
    assert.equal((await k.run(['set', 'image', 'ds/lazy', `app=${IMAGE2}`])).code, 0)
    const st = await waitFor('status counts no pod updated', async () => {
      const d = await k.json(['get', 'ds', 'lazy'])
      return d.status?.observedGeneration === d.metadata.generation && d.status
    }, 60_000, 500)
    assert.equal(st.updatedNumberScheduled ?? 0, 0)
    const still = (await pods('app=lazy')).filter(ready)
    assert.deepEqual(still.map((p) => p.metadata.uid).sort(), first.map((p) => p.metadata.uid).sort(), 'no pod was replaced by the template change')
    assert.equal((await k.run(['delete', 'pod', first[0].metadata.name])).code, 0)
    const replaced = await waitFor('a new-image pod on the node of the deleted one', async () => {
      const p = (await pods('app=lazy')).filter(ready)
      return p.length === 2 && p.find((x) => x.spec.nodeName === first[0].spec.nodeName && x.spec.containers[0].image === IMAGE2)
    }, 120_000, 1000)
    assert.ok(replaced)
    const other = (await pods('app=lazy')).find((p) => p.metadata.uid === first[1].metadata.uid)
    assert.equal(other?.spec.containers[0].image, IMAGE, 'the other pod keeps the old template')
    assert.equal((await k.run(['delete', 'ds', 'lazy'])).code, 0)
  })

  it('a removed node loses its pod (status converges) and gets a new one when it registers again', async () => {
    assert.equal((await k.run(['apply', '-f', '-'], daemonSet('every', CONTROL_PLANE_TOLERATION))).code, 0)
    await waitFor('a ready pod on every node', async () => (await pods('app=every')).filter(ready).length === 3, 120_000, 1000)
    const node = `${name}-worker2`
    // Stop the node first, so its agent cannot register it again while it is gone.
    assert.equal((await run('docker', ['stop', '-t', '2', node])).code, 0)
    try {
      assert.equal((await k.run(['delete', 'node', node])).code, 0)
      const ds = await waitFor('the DaemonSet to want and count 2 nodes', async () => {
        const d = await k.json(['get', 'ds', 'every'])
        return d.status?.desiredNumberScheduled === 2 && d.status.currentNumberScheduled === 2 && d
      }, 60_000, 1000)
      assert.equal(ds.status.numberMisscheduled, 0)
      // The pod bound to the vanished node is garbage-collected after the 40 s quarantine.
      await waitFor('the pod of the removed node to be deleted', async () => !(await pods('app=every')).some((p) => p.spec.nodeName === node), 120_000, 2000)
    } finally {
      assert.equal((await run('docker', ['start', node])).code, 0)
    }
    const back = await waitFor('a ready pod on the node again', async () => {
      const p = (await pods('app=every')).filter(ready)
      return p.length === 3 && p
    }, 180_000, 2000)
    assert.deepEqual(nodesOf(back), [`${name}-control-plane`, `${name}-worker`, `${name}-worker2`])
    assert.equal((await k.run(['delete', 'ds', 'every'])).code, 0)
  })
})
