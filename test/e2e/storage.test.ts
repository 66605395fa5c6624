// End to end: persistent storage on a real 1+2 node cluster with the real kubectl: the default local-path class (WaitForFirstConsumer), data surviving pod re-creation and a node restart, Delete and Retain reclaim, and pvc-protection.
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {deleteClusterHard, kubectlFor, run, skiff} from '../helpers/cli.js'
import {waitFor} from '../helpers/wait.js'

const name = `st${process.pid % 100000}`
const IMAGE = 'skiff/busybox:test'
const token = `token-${process.pid}-${Date.now()}`

const claim = (n: string, size: string, cls?: string) => `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: ${n}}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: ${size}}}
${cls ? `  storageClassName: ${cls}\n` : ''}`

const pod = (n: string, claimName: string, script: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${n}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: app
      image: ${IMAGE}
      imagePullPolicy: IfNotPresent
      command: ["sh", "-c", ${JSON.stringify(script)}]
      volumeMounts: [{name: data, mountPath: /data}]
  volumes:
    - name: data
      persistentVolumeClaim: {claimName: ${claimName}}
`

const staticPV = (n: string, size: string) => `apiVersion: v1
kind: PersistentVolume
metadata: {name: ${n}, labels: {test: ${name}}}
spec:
  capacity: {storage: ${size}}
  accessModes: [ReadWriteOnce]
  storageClassName: manual
  hostPath: {path: /var/lib/skiff-manual/${n}}
`

describe('storage (end to end)', function () {
  this.timeout(900_000)
  let dir: string
  let kubeconfig: string
  let k: ReturnType<typeof kubectlFor>
  const json = (args: string[]) => k.json(args)
  const ok = async (args: string[], input?: string) => {
    const r = await k.run(args, input)
    assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`)
    return r.stdout
  }
  const running = async (n: string) => waitFor(`pod ${n} Running`, async () => {
    const p = await json(['get', 'pod', n])
    return p.status?.phase === 'Running' && p
  }, 120_000)
  const gone = (what: string, args: string[]) => waitFor(`${what} gone`, async () => (await k.run(['get', ...args])).code !== 0, 120_000)

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skiff-st-'))
    kubeconfig = join(dir, 'config')
    k = kubectlFor(kubeconfig, join(dir, 'cache'))
    // As createSharedCluster, but the Ingress ports are left to the engine: another cluster may take 80/443 between
    // the free-port check and the container start.
    const config = join(dir, 'cluster.yaml')
    await writeFile(config, 'apiVersion: skiff.dev/v1alpha1\nkind: Cluster\nnodes:\n  - role: control-plane\n  - role: worker\n  - role: worker\nnetworking:\n  ingressHTTPPort: 0\n  ingressHTTPSPort: 0\n')
    const built = await run('scripts/build-busybox-image.sh', [IMAGE])
    assert.equal(built.code, 0, built.stderr)
    const res = await skiff(['cluster', 'create', name, '--config', config, '--kubeconfig', kubeconfig, '--no-switch-context'], {timeoutMs: 580_000})
    assert.equal(res.code, 0, `cluster create failed:\n${res.stdout}\n${res.stderr}`)
    const loaded = await skiff(['image', 'load', IMAGE, '--name', name])
    assert.equal(loaded.code, 0, loaded.stderr)
  })

  after(async () => {
    await deleteClusterHard(name, kubeconfig)
    if (dir) await rm(dir, {recursive: true, force: true})
  })

  it('serves the default class standard (WaitForFirstConsumer, local-path)', async () => {
    const out = await ok(['get', 'sc'])
    assert.match(out, /^NAME\s+PROVISIONER\s+RECLAIMPOLICY\s+VOLUMEBINDINGMODE\s+ALLOWVOLUMEEXPANSION\s+AGE/m)
    assert.match(out, /^standard \(default\)\s+skiff\.io\/local-path\s+Delete\s+WaitForFirstConsumer\s+false/m)
  })

  let nodeName = ''
  let volumeName = ''

  it('keeps a claim without a class Pending with the default class until a pod uses it, then binds it to a volume on the pod\'s node', async () => {
    await ok(['apply', '-f', '-'], claim('data', '64Mi'))
    let pvc = await json(['get', 'pvc', 'data'])
    assert.equal(pvc.spec.storageClassName, 'standard')
    assert.ok(pvc.metadata.finalizers.includes('kubernetes.io/pvc-protection'))
    await new Promise((r) => setTimeout(r, 3000))
    pvc = await json(['get', 'pvc', 'data'])
    assert.equal(pvc.status.phase, 'Pending')
    assert.equal(pvc.spec.volumeName, undefined)
    assert.match(await ok(['describe', 'pvc', 'data']), /WaitForFirstConsumer\s+.*waiting for first consumer to be created before binding/)

    await ok(['apply', '-f', '-'], pod('writer', 'data', `echo ${token} > /data/f && sleep 3600`))
    const p = await running('writer')
    nodeName = p.spec.nodeName
    pvc = await waitFor('claim Bound', async () => {
      const c = await json(['get', 'pvc', 'data'])
      return c.status.phase === 'Bound' && c
    }, 60_000)
    volumeName = pvc.spec.volumeName
    assert.equal(volumeName, `pvc-${pvc.metadata.uid}`)
    assert.equal(pvc.metadata.annotations['volume.kubernetes.io/selected-node'], nodeName)
    assert.equal(pvc.metadata.annotations['pv.kubernetes.io/bind-completed'], 'yes')
    assert.equal(pvc.status.capacity.storage, '64Mi')
    const pv = await json(['get', 'pv', volumeName])
    assert.equal(pv.status.phase, 'Bound')
    assert.equal(pv.spec.persistentVolumeReclaimPolicy, 'Delete')
    assert.equal(pv.metadata.annotations['pv.kubernetes.io/provisioned-by'], 'skiff.io/local-path')
    assert.deepEqual(pv.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0], {key: 'kubernetes.io/hostname', operator: 'In', values: [nodeName]})
    assert.equal(pv.spec.claimRef.name, 'data')
    assert.match(await ok(['get', 'pvc', 'data']), new RegExp(`^data\\s+Bound\\s+${volumeName}\\s+64Mi\\s+RWO\\s+standard\\s+<unset>`, 'm'))
    assert.match(await ok(['describe', 'pvc', 'data']), /ProvisioningSucceeded\s+.*Successfully provisioned volume pvc-/)
    const described = await ok(['describe', 'pv', volumeName])
    assert.match(described, /^StorageClass:\s+standard$/m)
    assert.match(described, /^Status:\s+Bound$/m)
    assert.match(described, /^Claim:\s+default\/data$/m)
    assert.match(described, new RegExp(`Term 0:\\s+kubernetes.io/hostname in \\[${nodeName}\\]`))
    // The data is on the node's disk, where the PV says.
    await waitFor('file on the node', async () => (await run('docker', ['exec', nodeName, 'cat', `${pv.spec.hostPath.path}/f`])).stdout.trim() === token, 30_000)
  })

  it('keeps the data across pod re-creation (same node) and a restart of the node container', async () => {
    await ok(['delete', 'pod', 'writer', '--wait=true'])
    await ok(['apply', '-f', '-'], pod('reader', 'data', 'cat /data/f; sleep 3600'))
    const p = await running('reader')
    assert.equal(p.spec.nodeName, nodeName, 'the volume pins the pod to its node')
    await waitFor('reader log', async () => (await k.run(['logs', 'reader'])).stdout.trim() === token, 30_000)

    const startedAt = (c: {status: {containerStatuses?: {state?: {running?: {startedAt?: string}}}[]}}) => c.status.containerStatuses?.[0]?.state?.running?.startedAt
    const before = startedAt(p) ?? startedAt(await json(['get', 'pod', 'reader']))
    const nodeStarted = () => execFileSync('docker', ['inspect', '-f', '{{.State.StartedAt}}', nodeName], {encoding: 'utf8'}).trim()
    const bootBefore = nodeStarted()
    execFileSync('docker', ['restart', '-t', '2', nodeName])
    assert.notEqual(nodeStarted(), bootBefore, 'the node container started again')
    // The node's runtime state is gone with the restart: the agent starts the pod's container anew, on the same directory.
    await waitFor('reader running again after the restart', async () => {
      const now = startedAt(await json(['get', 'pod', 'reader']))
      return now !== undefined && now !== before
    }, 180_000, 1000)
    await waitFor('the claim still mounted with the data after the restart', async () => {
      const r = await k.run(['exec', 'reader', '--', 'cat', '/data/f'])
      return r.code === 0 && r.stdout.trim() === token
    }, 180_000, 1000)
  })

  it('keeps a claim in use Terminating until its pod is gone, then deletes its volume and the directory', async () => {
    const pv = await json(['get', 'pv', volumeName])
    const path = pv.spec.hostPath.path
    await ok(['delete', 'pvc', 'data', '--wait=false'])
    await new Promise((r) => setTimeout(r, 3000))
    const pvc = await json(['get', 'pvc', 'data'])
    assert.ok(pvc.metadata.deletionTimestamp, 'marked for deletion')
    assert.match(await ok(['get', 'pvc', 'data']), /^data\s+Terminating\s/m)
    await ok(['delete', 'pod', 'reader', '--wait=true'])
    await gone('claim', ['pvc', 'data'])
    await gone('volume', ['pv', volumeName])
    await waitFor('directory removed on the node', async () => (await run('docker', ['exec', nodeName, 'test', '-e', path])).code !== 0, 30_000)
  })

  it('gives a generic ephemeral volume its own claim and volume, and removes both with the pod', async () => {
    const manifest = `apiVersion: v1
kind: Pod
metadata: {name: eph}
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: app
      image: ${IMAGE}
      imagePullPolicy: IfNotPresent
      command: ["sh", "-c", "echo scratch > /scratch/f && sleep 3600"]
      volumeMounts: [{name: scratch, mountPath: /scratch}]
  volumes:
    - name: scratch
      ephemeral:
        volumeClaimTemplate:
          spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 16Mi}}}
`
    try {
      await ok(['apply', '-f', '-'], manifest)
      const p = await running('eph')
      const pvc = await json(['get', 'pvc', 'eph-scratch'])
      assert.equal(pvc.status.phase, 'Bound')
      assert.equal(pvc.spec.storageClassName, 'standard')
      assert.equal(pvc.metadata.ownerReferences[0].uid, p.metadata.uid)
      const volume = pvc.spec.volumeName
      await waitFor('ephemeral file written', async () => (await k.run(['exec', 'eph', '--', 'cat', '/scratch/f'])).stdout.trim() === 'scratch', 30_000)
      await ok(['delete', 'pod', 'eph', '--wait=true'])
      await gone('ephemeral claim', ['pvc', 'eph-scratch'])
      await gone('ephemeral volume', ['pv', volume])
    } finally {
      await k.run(['delete', 'pod', 'eph', '--ignore-not-found', '--wait=false'])
    }
  })

  it('binds a static hostPath volume of class manual (the smallest that fits) and keeps it Released after the claim goes (Retain)', async () => {
    try {
      await ok(['apply', '-f', '-'], `${staticPV('manual-big', '1Gi')}---\n${staticPV('manual-small', '100Mi')}`)
      await waitFor('volumes Available', async () => (await json(['get', 'pv', '-l', `test=${name}`])).items.every((v: {status: {phase: string}}) => v.status.phase === 'Available'), 30_000)
      await ok(['apply', '-f', '-'], claim('manual-claim', '50Mi', 'manual'))
      const pvc = await waitFor('static claim Bound', async () => {
        const c = await json(['get', 'pvc', 'manual-claim'])
        return c.status.phase === 'Bound' && c
      }, 60_000)
      assert.equal(pvc.spec.volumeName, 'manual-small')
      assert.equal(pvc.status.capacity.storage, '100Mi')
      assert.equal(pvc.metadata.annotations['pv.kubernetes.io/bound-by-controller'], 'yes')
      const small = await json(['get', 'pv', 'manual-small'])
      assert.equal(small.status.phase, 'Bound')
      assert.equal(small.spec.persistentVolumeReclaimPolicy, 'Retain')
      assert.equal(small.spec.claimRef.uid, pvc.metadata.uid)
      assert.equal((await json(['get', 'pv', 'manual-big'])).status.phase, 'Available')
      assert.match(await ok(['get', 'pv', 'manual-small']), /^manual-small\s+100Mi\s+RWO\s+Retain\s+Bound\s+default\/manual-claim\s+manual\s+<unset>/m)

      await ok(['delete', 'pvc', 'manual-claim', '--wait=true'])
      await waitFor('volume Released', async () => (await json(['get', 'pv', 'manual-small'])).status.phase === 'Released', 60_000)
      await new Promise((r) => setTimeout(r, 2000))
      const released = await json(['get', 'pv', 'manual-small'])
      assert.equal(released.status.phase, 'Released', 'Retain keeps the volume')
      assert.equal(released.spec.claimRef.name, 'manual-claim')
    } finally {
      await k.run(['delete', 'pvc', 'manual-claim', '--ignore-not-found', '--wait=false'])
      await k.run(['delete', 'pv', '-l', `test=${name}`, '--ignore-not-found'])
    }
  })
})
