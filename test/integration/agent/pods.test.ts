// Integration: the agent's pod lifecycle in a real one-worker cluster, driven with the real kubectl (needs Docker and a built CLI: npm run build).
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {deleteClusterHard, kubectlFor, skiff} from '../../helpers/cli.js'
import {ensureBusyboxImage} from '../../helpers/images.js'
import {waitFor} from '../../helpers/wait.js'

const name = `ag${process.pid % 100000}`
const worker = `${name}-worker`
const IMAGE = 'skiff/busybox:test'

function docker(args: string[]): string {
  return execFileSync('docker', args, {encoding: 'utf8'})
}


describe('agent pod lifecycle (real cluster)', function () {
  this.timeout(600_000)
  let dir: string
  let kubectl: ReturnType<typeof kubectlFor>

  const apply = async (manifest: string) => {
    const r = await kubectl.run(['apply', '-f', '-'], manifest)
    assert.equal(r.code, 0, r.stderr)
  }
  const status = async (pod: string) => {
    const r = await kubectl.run(['get', 'pod', pod, '--no-headers'])
    return r.stdout.trim().split(/\s+/)[2] ?? ''
  }
  const podJSON = async (pod: string) => JSON.parse((await kubectl.run(['get', 'pod', pod, '-o', 'json'])).stdout)
  /** Runs cmd in the pod's container (kubectl exec: apiserver → agent → containerd's streaming server). */
  const execInPod = async (pod: string, container: string, cmd: string[]) => {
    const r = await kubectl.run(['exec', pod, '-c', container, '--', ...cmd])
    assert.equal(r.code, 0, r.stderr)
    return r.stdout
  }
  const pod = (podName: string, spec: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${podName}}
spec:
  nodeName: ${worker}
${spec}`

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skiff-agent-it-'))
    const kubeconfig = join(dir, 'config')
    kubectl = kubectlFor(kubeconfig, join(dir, 'cache'))
    const res = await skiff(['cluster', 'create', name, '--workers', '1', '--kubeconfig', kubeconfig, '--no-switch-context'], {timeoutMs: 580_000})
    assert.equal(res.code, 0, `cluster create failed:\n${res.stdout}\n${res.stderr}`)
    await ensureBusyboxImage(IMAGE)
    const load = await skiff(['image', 'load', IMAGE, '--name', name])
    assert.equal(load.code, 0, load.stderr)
  })

  after(async () => {
    if (dir) await deleteClusterHard(name, join(dir, 'config'))
    if (dir) await rm(dir, {recursive: true, force: true})
  })

  it('runs a pod with env from a ConfigMap/Secret and volumes, and updates the ConfigMap volume in place', async () => {
    await apply(`apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data: {greeting: hello}
---
apiVersion: v1
kind: Secret
metadata: {name: sec}
stringData: {pw: s3cret}
---
${pod('full', `  containers:
  - name: c
    image: ${IMAGE}
    command: ["sh", "-c", "sleep 3600"]
    env:
    - name: G
      valueFrom: {configMapKeyRef: {name: cfg, key: greeting}}
    - name: PW
      valueFrom: {secretKeyRef: {name: sec, key: pw}}
    - name: IP
      valueFrom: {fieldRef: {fieldPath: status.podIP}}
    resources: {limits: {cpu: 500m, memory: 64Mi}}
    volumeMounts: [{name: cfg, mountPath: /cfg}, {name: scratch, mountPath: /scratch}]
  volumes:
  - {name: cfg, configMap: {name: cfg}}
  - {name: scratch, emptyDir: {}}`)}`)
    await waitFor('full Running', async () => (await status('full')) === 'Running', 60_000)
    const p = await podJSON('full')
    assert.match(p.status.podIP, /^10\.244\./)
    assert.equal(p.status.qosClass, 'Guaranteed')
    assert.deepEqual(p.status.conditions.filter((c: any) => c.type !== 'PodScheduled').map((c: any) => `${c.type}=${c.status}`), ['PodReadyToStartContainers=True', 'Initialized=True', 'Ready=True', 'ContainersReady=True'])
    const env = await execInPod('full', 'c', ['env'])
    assert.match(env, /^G=hello$/m)
    assert.match(env, /^PW=s3cret$/m)
    assert.match(env, new RegExp(`^IP=${p.status.podIP.replace(/\./g, '\\.')}$`, 'm'))
    assert.equal(await execInPod('full', 'c', ['cat', '/cfg/greeting']), 'hello')
    const r = await kubectl.run(['patch', 'configmap', 'cfg', '-p', '{"data":{"greeting":"changed"}}'])
    assert.equal(r.code, 0, r.stderr)
    await waitFor('the volume to show the new value', async () => (await execInPod('full', 'c', ['cat', '/cfg/greeting'])) === 'changed', 30_000)
  })

  it('STATUS reads CrashLoopBackOff, Completed, Error, ErrImagePull/ImagePullBackOff and ErrImageNeverPull', async () => {
    await apply(
      [
        pod('crash', `  containers: [{name: c, image: ${IMAGE}, command: ["sh", "-c", "exit 3"]}]`),
        pod('done', `  restartPolicy: Never\n  initContainers: [{name: i, image: ${IMAGE}, command: ["true"]}]\n  containers: [{name: c, image: ${IMAGE}, command: ["true"]}]`),
        pod('fail', `  restartPolicy: Never\n  containers: [{name: c, image: ${IMAGE}, command: ["false"]}]`),
        pod('nopull', `  containers: [{name: c, image: example.invalid/nothing:1}]`),
        pod('never', `  containers: [{name: c, image: example.invalid/nothing:1, imagePullPolicy: Never}]`),
      ].join('\n---\n'),
    )
    await waitFor('crash in CrashLoopBackOff', async () => (await status('crash')) === 'CrashLoopBackOff', 60_000)
    await waitFor('done Completed', async () => (await status('done')) === 'Completed', 60_000)
    await waitFor('fail Error', async () => (await status('fail')) === 'Error', 60_000)
    await waitFor('nopull ErrImagePull or ImagePullBackOff', async () => ['ErrImagePull', 'ImagePullBackOff'].includes(await status('nopull')), 60_000)
    await waitFor('never ErrImageNeverPull', async () => (await status('never')) === 'ErrImageNeverPull', 60_000)
    const crash = await podJSON('crash')
    assert.match(crash.status.containerStatuses[0].state.waiting.message, /^back-off \d+s restarting failed container=c pod=crash_default\(/)
    assert.equal(crash.status.phase, 'Running')
    assert.equal((await podJSON('done')).status.phase, 'Succeeded')
    assert.equal((await podJSON('fail')).status.phase, 'Failed')
    const events = (await kubectl.run(['get', 'events', '--field-selector', 'involvedObject.name=crash', '-o', 'json'])).stdout
    const items = JSON.parse(events).items
    assert.ok(items.some((e: any) => e.reason === 'BackOff' && e.source.component === 'kubelet' && e.source.host === worker))
    assert.ok(items.some((e: any) => e.reason === 'Pulled' && e.message === `Container image "${IMAGE}" already present on machine`))
  })

  it('restarts a container whose liveness probe fails', async () => {
    await apply(
      pod(
        'live',
        `  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: ${IMAGE}
    command: ["sh", "-c", "touch /tmp/ok; sleep 3600"]
    livenessProbe: {exec: {command: ["cat", "/tmp/ok"]}, periodSeconds: 1, failureThreshold: 2}`,
      ),
    )
    await waitFor('live Running', async () => (await status('live')) === 'Running', 60_000)
    await execInPod('live', 'c', ['rm', '/tmp/ok'])
    await waitFor('a restart', async () => (await podJSON('live')).status.containerStatuses[0].restartCount >= 1, 60_000)
    const reasons = JSON.parse((await kubectl.run(['get', 'events', '--field-selector', 'involvedObject.name=live', '-o', 'json'])).stdout).items.map((e: any) => `${e.reason}: ${e.message}`)
    assert.ok(reasons.includes('Killing: Container c failed liveness probe, will be restarted'), reasons.join('\n'))
  })

  it('deletes gracefully: preStop, SIGTERM, then the pod and its containers are gone', async () => {
    await apply(
      pod(
        'grace',
        `  terminationGracePeriodSeconds: 20
  containers:
  - name: c
    image: ${IMAGE}
    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
    lifecycle: {preStop: {exec: {command: ["sh", "-c", "echo prestop > /proc/1/fd/1"]}}}`,
      ),
    )
    await waitFor('grace Running', async () => (await status('grace')) === 'Running', 60_000)
    const t0 = Date.now()
    const r = await kubectl.run(['delete', 'pod', 'grace', '--wait=true'])
    assert.equal(r.code, 0, r.stderr)
    // The trap exits on SIGTERM within a second or so: far less than the 20 s grace period.
    assert.ok(Date.now() - t0 < 15_000, `deletion took ${Date.now() - t0} ms`)
    const left = docker(['exec', worker, 'ctr', '-n', 'k8s.io', 'containers', 'ls', '-q', 'labels."io.kubernetes.pod.name"==grace']).trim()
    assert.equal(left, '')
  })
})
