// End to end: a StatefulSet on a real 1+2 node cluster driven by the real kubectl: ordered creation, stable names and DNS, per-ordinal volumes, ordered scale-down, partitioned rolling update, rollout status/history/undo.
import assert from 'node:assert/strict'
import {useSharedCluster} from '../helpers/cli.js'
import {waitFor} from '../helpers/wait.js'

const name = `sts${process.pid % 100000}`
const IMAGE = 'skiff/busybox:test'

/** The headless Service and the StatefulSet under test; with storage, each pod mounts its own claim at /data. */
function manifests(withVolumes: boolean): string {
  const mounts = withVolumes ? `
          volumeMounts: [{name: data, mountPath: /data}]` : ''
  const claims = withVolumes ? `
  volumeClaimTemplates:
    - metadata: {name: data}
      spec:
        accessModes: [ReadWriteOnce]
        resources: {requests: {storage: 16Mi}}` : ''
  return `apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  clusterIP: None
  selector: {app: web}
  ports: [{name: http, port: 8080}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  serviceName: web
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: app
          image: ${IMAGE}
          imagePullPolicy: IfNotPresent
          # Ready two seconds after start, so creating the next pod before this one is Ready would show in the timestamps.
          command: ["sh", "-c", "sleep 2; touch /tmp/ready; exec sleep 3600"]
          readinessProbe:
            exec: {command: ["test", "-f", "/tmp/ready"]}
            periodSeconds: 1${mounts}${claims}
`
}

describe('statefulset (end to end)', function () {
  this.timeout(900_000)
  const {k} = useSharedCluster(name, IMAGE)
  let withVolumes = false
  const json = (args: string[]) => k.json(args)
  const sts = () => json(['get', 'sts', 'web'])
  const pods = async () => ((await json(['get', 'pods', '-l', 'app=web'])).items as any[]).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))
  const ready = (p: any) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp && (p.status.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True')
  const readyAt = (p: any) => Date.parse((p.status.conditions ?? []).find((c: any) => c.type === 'Ready')?.lastTransitionTime)
  const exec = async (pod: string, script: string) => {
    const r = await k.run(['exec', pod, '--', 'sh', '-c', script])
    assert.equal(r.code, 0, `${pod}: ${script}: ${r.stderr}`)
    return r.stdout
  }
  const rolloutStatus = async () => {
    const r = await k.run(['rollout', 'status', 'sts/web', '--timeout=150s'])
    assert.equal(r.code, 0, r.stderr)
    return r.stdout
  }
  const readyPods = (n: number) => waitFor(`${n} ready web pods`, async () => {
    const ps = await pods()
    return ps.length === n && ps.every(ready) && ps
  }, 150_000, 500)

  before(async () => {
    const resources = await k.run(['api-resources', '--api-group=', '-o', 'name'])
    withVolumes = resources.stdout.split('\n').includes('persistentvolumeclaims')
    const applied = await k.run(['apply', '-f', '-'], manifests(withVolumes))
    assert.equal(applied.code, 0, applied.stderr)
  })

  it('creates web-0, web-1, web-2 in order, each only after the previous one is Ready', async () => {
    const ps = await readyPods(3)
    assert.deepEqual(ps.map((p) => p.metadata.name), ['web-0', 'web-1', 'web-2'])
    for (let i = 1; i < 3; i++) {
      const created = Date.parse(ps[i].metadata.creationTimestamp)
      assert.ok(created >= readyAt(ps[i - 1]), `${ps[i].metadata.name} created ${ps[i].metadata.creationTimestamp}, before ${ps[i - 1].metadata.name} was Ready`)
    }
    const ev = await k.run(['get', 'events', '--field-selector', 'involvedObject.kind=StatefulSet,involvedObject.name=web'])
    for (const p of ['web-0', 'web-1', 'web-2']) assert.match(ev.stdout, new RegExp(`SuccessfulCreate.*create Pod ${p} in StatefulSet web successful`))
  })

  it('gives each pod its identity, and reports revisions and counts in status', async () => {
    const set = await waitFor('status of 3 ready replicas', async () => {
      const s = await sts()
      return s.status?.readyReplicas === 3 && s.status?.availableReplicas === 3 && s.status?.observedGeneration === s.metadata.generation && s
    })
    assert.equal(set.status.replicas, 3)
    assert.equal(set.status.currentReplicas, 3)
    assert.equal(set.status.updatedReplicas, 3)
    assert.equal(set.status.currentRevision, set.status.updateRevision)
    assert.equal(set.status.collisionCount, 0)
    for (const [i, p] of (await pods()).entries()) {
      assert.equal(p.metadata.labels['statefulset.kubernetes.io/pod-name'], `web-${i}`)
      assert.equal(p.metadata.labels['apps.kubernetes.io/pod-index'], String(i))
      assert.equal(p.metadata.labels['controller-revision-hash'], set.status.updateRevision)
      assert.equal(p.spec.hostname, `web-${i}`)
      assert.equal(p.spec.subdomain, 'web')
    }
    const revs = (await json(['get', 'controllerrevisions', '-l', 'app=web'])).items as any[]
    assert.deepEqual(revs.map((r) => [r.metadata.name, r.revision]), [[set.status.updateRevision, 1]])
    assert.equal(revs[0].metadata.ownerReferences[0].uid, set.metadata.uid)
    const table = await k.run(['get', 'sts', 'web'])
    assert.match(table.stdout, /web\s+3\/3/)
    assert.equal((await exec('web-1', 'hostname')).trim(), 'web-1')
    const described = await k.run(['describe', 'sts', 'web'])
    assert.equal(described.code, 0, described.stderr)
    assert.match(described.stdout, /Pods Status:\s+3 Running \/ 0 Waiting/)
  })

  it('Parallel creates every pod at once, without waiting for readiness', async () => {
    const par = manifests(false).split('---\n')[1].replace(/\bweb\b/g, 'par').replace('serviceName: par', 'serviceName: par\n  podManagementPolicy: Parallel')
    const applied = await k.run(['apply', '-f', '-'], par)
    assert.equal(applied.code, 0, applied.stderr)
    try {
      const ps = await waitFor('3 ready par pods', async () => {
        const items = ((await json(['get', 'pods', '-l', 'app=par'])).items as any[]).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))
        return items.length === 3 && items.every(ready) && items
      }, 120_000, 500)
      // Each pod takes two seconds to become Ready, so the last one was created before the first was Ready.
      assert.ok(Date.parse(ps[2].metadata.creationTimestamp) < readyAt(ps[0]), `par-2 created ${ps[2].metadata.creationTimestamp}, par-0 ready ${ps[0].status.conditions.find((c: any) => c.type === 'Ready').lastTransitionTime}`)
    } finally {
      await k.run(['delete', 'sts', 'par', '--wait=true'])
    }
  })

  it('persistentVolumeClaimRetentionPolicy Delete: claims go with scaled-away pods and with the set', async function () {
    if (!withVolumes) this.skip() // the API serves no persistentvolumeclaims yet (storage branch not merged)
    const ret = manifests(true)
      .split('---\n')[1]
      .replace(/\bweb\b/g, 'ret')
      .replace('replicas: 3', 'replicas: 2')
      .replace('serviceName: ret', 'serviceName: ret\n  podManagementPolicy: Parallel\n  persistentVolumeClaimRetentionPolicy: {whenDeleted: Delete, whenScaled: Delete}')
    const claimNames = async () => ((await json(['get', 'pvc'])).items as any[]).map((c) => c.metadata.name).filter((n: string) => n.startsWith('data-ret-')).sort()
    const applied = await k.run(['apply', '-f', '-'], ret)
    assert.equal(applied.code, 0, applied.stderr)
    try {
      await waitFor('2 ready ret pods', async () => {
        const items = (await json(['get', 'pods', '-l', 'app=ret'])).items as any[]
        return items.length === 2 && items.every(ready)
      }, 120_000, 500)
      const owners = (await json(['get', 'pvc', 'data-ret-0'])).metadata.ownerReferences as any[]
      assert.deepEqual(owners.map((r) => `${r.kind}/${r.name}/${r.controller}`), ['StatefulSet/ret/true'])
      assert.equal((await k.run(['scale', 'sts', 'ret', '--replicas=1'])).code, 0)
      await waitFor('data-ret-1 deleted with ret-1', async () => (await claimNames()).join() === 'data-ret-0', 90_000, 500)
    } finally {
      await k.run(['delete', 'sts', 'ret', '--wait=true'])
    }
    await waitFor('data-ret-0 deleted with the set', async () => (await claimNames()).length === 0, 90_000, 500)
  })

  it('web-N.web resolves to that pod from inside a pod', async () => {
    const ps = await pods()
    for (const target of ['web-0', 'web-2']) {
      const ip = ps.find((p) => p.metadata.name === target).status.podIP
      // The endpoints controller publishes the hostname a moment after the pod is Ready.
      await waitFor(`${target}.web resolving`, async () => {
        const r = await k.run(['exec', 'web-1', '--', 'nslookup', `${target}.web.default.svc.cluster.local`])
        return r.code === 0 && new RegExp(`Address: ${ip.replace(/\./g, '\\.')}\\b`).test(r.stdout)
      }, 30_000, 1000)
    }
    // The short form through the search path as well.
    assert.match(await exec('web-1', 'ping -c 1 -W 1 web-0.web | head -1'), new RegExp(`\\(${ps[0].status.podIP.replace(/\./g, '\\.')}\\)`))
  })

  it('binds one claim per ordinal to a PersistentVolume of class standard', async function () {
    if (!withVolumes) this.skip() // the API serves no persistentvolumeclaims yet (storage branch not merged)
    const claims = await waitFor('3 bound claims', async () => {
      const items = (await json(['get', 'pvc'])).items as any[]
      return items.length === 3 && items.every((c) => c.status?.phase === 'Bound') && items
    }, 120_000, 500)
    assert.deepEqual(claims.map((c) => c.metadata.name).sort(), ['data-web-0', 'data-web-1', 'data-web-2'])
    for (const c of claims) assert.equal(c.metadata.labels.app, 'web')
    const pvs = (await json(['get', 'pv'])).items as any[]
    for (const c of claims) {
      const pv = pvs.find((v) => v.metadata.name === c.spec.volumeName)
      assert.ok(pv, `PV of ${c.metadata.name}`)
      assert.equal(pv.spec.storageClassName, 'standard')
      assert.equal(pv.spec.claimRef.name, c.metadata.name)
    }
    const p1 = (await pods()).find((p) => p.metadata.name === 'web-1')
    assert.deepEqual(p1.spec.volumes.find((v: any) => v.name === 'data').persistentVolumeClaim, {claimName: 'data-web-1'})
  })

  it('a deleted pod comes back with the same name, on the same node, with the same data', async () => {
    const before = (await pods()).find((p) => p.metadata.name === 'web-1')
    const token = `token-${process.pid}-${Date.now()}`
    if (withVolumes) await exec('web-1', `echo ${token} > /data/token`)
    const del = await k.run(['delete', 'pod', 'web-1'])
    assert.equal(del.code, 0, del.stderr)
    const after = await waitFor('web-1 recreated and ready', async () => {
      const p = (await pods()).find((x) => x.metadata.name === 'web-1')
      return p && p.metadata.uid !== before.metadata.uid && ready(p) && p
    }, 120_000, 500)
    if (!withVolumes) return
    assert.equal(after.spec.nodeName, before.spec.nodeName, 'the local volume pins web-1 to its node')
    assert.equal((await exec('web-1', 'cat /data/token')).trim(), token)
  })

  it('a rolling update with a partition only updates ordinals >= partition; rollout status, history and undo work', async () => {
    await readyPods(3)
    const old = await pods()
    const oldRev = (await sts()).status.currentRevision
    assert.equal((await k.run(['patch', 'sts', 'web', '-p', '{"spec":{"updateStrategy":{"rollingUpdate":{"partition":2}}}}'])).code, 0)
    const set = await k.run(['set', 'env', 'sts/web', 'VERSION=2'])
    assert.equal(set.code, 0, set.stderr)
    assert.match(await rolloutStatus(), /partitioned roll out complete: 1 new pods have been updated/)
    const st = (await sts()).status
    assert.notEqual(st.updateRevision, oldRev)
    assert.equal(st.currentRevision, oldRev)
    const ps = await readyPods(3)
    assert.equal(ps[2].metadata.labels['controller-revision-hash'], st.updateRevision)
    assert.deepEqual(ps[2].spec.containers[0].env, [{name: 'VERSION', value: '2'}])
    for (const i of [0, 1]) {
      assert.equal(ps[i].metadata.uid, old[i].metadata.uid, `web-${i} is below the partition and untouched`)
      assert.equal(ps[i].metadata.labels['controller-revision-hash'], oldRev)
    }
    // Lifting the partition rolls the rest, and the update revision becomes current.
    assert.equal((await k.run(['patch', 'sts', 'web', '-p', '{"spec":{"updateStrategy":{"rollingUpdate":{"partition":0}}}}'])).code, 0)
    // kubectl reports any RollingUpdate with a partition field (defaulted to 0) as a partitioned roll out.
    assert.match(await rolloutStatus(), /partitioned roll out complete: 3 new pods have been updated/)
    const done = await waitFor('currentRevision moved', async () => {
      const s = (await sts()).status
      return s.currentRevision === st.updateRevision && s.updatedReplicas === 3 && s
    })
    assert.equal(done.currentReplicas, 3)
    const history = await k.run(['rollout', 'history', 'sts/web'])
    assert.equal(history.code, 0, history.stderr)
    assert.match(history.stdout, /^1\s/m)
    assert.match(history.stdout, /^2\s/m)
    // kubectl rebuilds a revision's template by applying its stored patch to the set.
    const second = await k.run(['rollout', 'history', 'sts/web', '--revision=2'])
    assert.equal(second.code, 0, second.stderr)
    assert.match(second.stdout, /VERSION:\s+2/)
    const undo = await k.run(['rollout', 'undo', 'sts/web'])
    assert.equal(undo.code, 0, undo.stderr)
    await waitFor('the first template current again', async () => {
      const s = (await sts()).status
      return s.updateRevision === oldRev && s.currentRevision === oldRev && s.updatedReplicas === 3 && s.readyReplicas === 3
    }, 150_000, 500)
    for (const p of await readyPods(3)) assert.equal(p.spec.containers[0].env, undefined, `${p.metadata.name} back on the first template`)
    const revs = ((await json(['get', 'controllerrevisions', '-l', 'app=web'])).items as any[]).map((r) => [r.metadata.name, r.revision]).sort((a, b) => a[1] - b[1])
    assert.deepEqual(revs, [[st.updateRevision, 2], [oldRev, 3]])
  })

  it('scaling to 1 deletes web-2, then web-1, and keeps their claims', async () => {
    await readyPods(3)
    assert.equal((await k.run(['scale', 'sts', 'web', '--replicas=1'])).code, 0)
    // Watch the order: web-1 may only start terminating once web-2 is gone.
    let violation = ''
    await waitFor('only web-0 left', async () => {
      const ps = await pods()
      const names = ps.map((p) => p.metadata.name)
      const web1 = ps.find((p) => p.metadata.name === 'web-1')
      if (web1?.metadata.deletionTimestamp && names.includes('web-2')) violation ||= 'web-1 terminating while web-2 still existed'
      return names.length === 1 && names[0] === 'web-0'
    }, 120_000, 200)
    assert.equal(violation, '')
    const s = await waitFor('status of 1 replica', async () => {
      const x = await sts()
      return x.status?.replicas === 1 && x
    })
    assert.equal(s.status.readyReplicas, 1)
    if (!withVolumes) return
    const claims = ((await json(['get', 'pvc'])).items as any[]).map((c) => c.metadata.name).sort()
    assert.deepEqual(claims, ['data-web-0', 'data-web-1', 'data-web-2'])
  })
})
