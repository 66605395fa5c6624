// Conformance-style, end to end: the official Python client (Debian's python3-kubernetes), @kubernetes/client-node 1.x,
// our own client and kubectl against one real cluster: list, watch, exec, followed logs, every patch type, delete answers,
// and kubectl run -it --rm of a command that exits at once.
import assert from 'node:assert/strict'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {PassThrough} from 'node:stream'
import * as k8s from '@kubernetes/client-node'
import {ApiClient} from '../../src/client/index.js'
import {createSharedCluster, deleteClusterHard, kubectlFor, repo, run} from '../helpers/cli.js'
import {BUSYBOX_IMAGE} from '../helpers/images.js'
import {ensurePythonClient, PYTHON} from '../helpers/python.js'
import {waitFor} from '../helpers/wait.js'

const name = `cl${process.pid % 100000}`
const NS = 'clients'
const SCRIPT = join(repo, 'test/fixtures/clients/python_client.py')

const podYaml = (pod: string, command: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${pod}, namespace: ${NS}}
spec:
  terminationGracePeriodSeconds: 30
  containers:
    - name: ${pod}
      image: ${BUSYBOX_IMAGE}
      imagePullPolicy: IfNotPresent
      command: ["sh", "-c", ${JSON.stringify(command)}]
`
const TICKER = 'i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.5; done'

describe('clients: Python, client-node, our client and kubectl (end to end)', function () {
  this.timeout(900_000)
  let dir: string
  let kubeconfig: string
  let k: ReturnType<typeof kubectlFor>
  let kc: k8s.KubeConfig
  let core: k8s.CoreV1Api

  /** Runs one check of the Python script and parses what it printed. */
  async function python(check: string, ...args: string[]): Promise<any> {
    const r = await run(PYTHON, [SCRIPT, kubeconfig, NS, check, ...args], {timeoutMs: 120_000})
    assert.equal(r.code, 0, `python ${check} failed:\n${r.stderr}`)
    return JSON.parse(r.stdout)
  }

  async function startPod(pod: string, command: string): Promise<void> {
    const created = await k.run(['apply', '-f', '-'], podYaml(pod, command))
    assert.equal(created.code, 0, created.stderr)
    const ready = await k.run(['wait', '-n', NS, '--for=condition=Ready', `pod/${pod}`, '--timeout=120s'])
    assert.equal(ready.code, 0, ready.stderr)
  }

  before(async () => {
    await ensurePythonClient()
    dir = await mkdtemp(join(tmpdir(), 'skiff-clients-'))
    kubeconfig = join(dir, 'config')
    k = kubectlFor(kubeconfig, join(dir, 'cache'))
    await createSharedCluster(name, kubeconfig, BUSYBOX_IMAGE)
    assert.equal((await k.run(['create', 'namespace', NS])).code, 0)
    await startPod('ticker', TICKER)
    kc = new k8s.KubeConfig()
    kc.loadFromFile(kubeconfig)
    core = kc.makeApiClient(k8s.CoreV1Api)
  })

  after(async () => {
    await deleteClusterHard(name, kubeconfig)
    if (dir) await rm(dir, {recursive: true, force: true})
  })

  describe('official Python client', () => {
    it('lists namespaces and config maps into typed objects', async () => {
      const r = await python('list')
      assert.ok(r.namespaces.includes(NS) && r.namespaces.includes('kube-system'), JSON.stringify(r))
      assert.ok(r.configmaps.includes('py-list'))
      assert.match(r.resourceVersion, /^\d+$/)
    })

    it('watch.Watch().stream (watch=True) receives the ADDED event of a config map created after it started', async () => {
      const {events} = await python('watch')
      assert.ok(events.some((e: any) => e.type === 'ADDED' && e.name === 'py-watched' && e.kind === 'V1ConfigMap'), JSON.stringify(events))
    })

    it('kubernetes.stream.stream runs a command and returns its output; the exit code comes back', async () => {
      const r = await python('exec', 'ticker')
      assert.match(r.output, /out/)
      assert.match(r.output, /err/)
      assert.equal(r.stdout, 'two\n')
      assert.equal(r.returncode, 3)
      // Each session ends when the command does, not at some timeout.
      assert.ok(r.seconds.every((t: number) => t < 10), JSON.stringify(r.seconds))
    })

    it('read_namespaced_pod_log(follow=True) streams lines the container writes after the request', async () => {
      const {lines} = await python('logs', 'ticker')
      const ticks = lines.map((l: any) => Number(/^tick (\d+)$/.exec(l.line)?.[1]))
      assert.ok(ticks.every((n: number) => n > 0), JSON.stringify(lines))
      // Consecutive ticks, and the last ones arrived well after the first: a stream, not a one-shot read.
      for (let i = 1; i < ticks.length; i++) assert.equal(ticks[i], ticks[i - 1] + 1)
      assert.ok(lines.at(-1).at - lines[0].at >= 0.8, JSON.stringify(lines))
    })

    it('patches with json-patch, merge-patch, strategic-merge-patch and apply', async () => {
      const r = await python('patch')
      assert.deepEqual(r.jsonPatch, {x: '1', y: '2'})
      assert.deepEqual(r.merge, {y: '2', z: '3'})
      assert.deepEqual(r.strategicLabels, {a: '1', b: '2'})
      assert.deepEqual(r.applied, {data: {k: 'v'}, managers: ['python']})
    })

    it('delete answers: a Status when the object is gone, the object while finalizers or a grace period hold it', async () => {
      await startPod('py-victim', 'sleep 3600')
      const r = await python('delete', 'py-victim')
      assert.equal(r.gone.kind, 'Status')
      assert.equal(r.gone.status, 'Success')
      assert.deepEqual({name: r.gone.details.name, kind: r.gone.details.kind, group: r.gone.details.group}, {name: 'py-del', kind: 'configmaps', group: ''})
      assert.match(r.gone.details.uid, /^[0-9a-f-]{36}$/)
      assert.equal(r.held.kind, 'ConfigMap')
      assert.ok(r.held.deletionTimestamp)
      assert.deepEqual(r.typed, {type: 'V1Status', status: 'Success', name: 'py-del-typed'})
      assert.equal(r.graceful.kind, 'Pod')
      assert.ok(r.graceful.deletionTimestamp)
      // The held map is still there until its finalizer goes.
      const held = await k.json(['get', '-n', NS, 'configmap', 'py-del-held'])
      assert.ok(held.metadata.deletionTimestamp)
      assert.equal((await k.run(['patch', '-n', NS, 'configmap', 'py-del-held', '--type=merge', '-p', '{"metadata":{"finalizers":null}}'])).code, 0)
    })
  })

  describe('@kubernetes/client-node 1.x', () => {
    it('lists config maps', async () => {
      await core.createNamespacedConfigMap({namespace: NS, body: {metadata: {name: 'node-list'}, data: {a: '1'}}})
      const list = await core.listNamespacedConfigMap({namespace: NS})
      assert.ok(list.items.some((c) => c.metadata?.name === 'node-list'))
      assert.match(list.metadata?.resourceVersion ?? '', /^\d+$/)
    })

    it('Watch receives ADDED for a config map created after it started', async () => {
      const seen: string[] = []
      const controller = await new k8s.Watch(kc).watch(`/api/v1/namespaces/${NS}/configmaps`, {}, (type, obj) => seen.push(`${type} ${obj.metadata.name}`), () => undefined)
      try {
        await core.createNamespacedConfigMap({namespace: NS, body: {metadata: {name: 'node-watched'}}})
        await waitFor('the ADDED event', async () => seen.includes('ADDED node-watched'), 20_000)
      } finally {
        controller.abort()
      }
    })

    it('Exec returns the output and a NonZeroExitCode status', async () => {
      const out = new PassThrough()
      const err = new PassThrough()
      let stdout = ''
      let stderr = ''
      out.on('data', (d) => (stdout += d))
      err.on('data', (d) => (stderr += d))
      const status = await new Promise<k8s.V1Status>((resolve, reject) => {
        new k8s.Exec(kc).exec(NS, 'ticker', 'ticker', ['sh', '-c', 'echo node-out; echo node-err >&2; exit 2'], out, err, null, false, resolve).catch(reject)
      })
      assert.equal(stdout, 'node-out\n')
      assert.equal(stderr, 'node-err\n')
      assert.equal(status.status, 'Failure')
      assert.equal(status.reason, 'NonZeroExitCode')
      assert.deepEqual(status.details?.causes?.map((c) => [c.reason, c.message]), [['ExitCode', '2']])
    })

    it('Log with follow streams new lines', async () => {
      const sink = new PassThrough()
      let text = ''
      sink.on('data', (d) => (text += d))
      const controller = await new k8s.Log(kc).log(NS, 'ticker', 'ticker', sink, {follow: true, tailLines: 1})
      try {
        await waitFor('three followed lines', async () => text.split('\n').filter(Boolean).length >= 3, 20_000)
      } finally {
        controller.abort()
      }
      const ticks = text.split('\n').filter(Boolean).map((l) => Number(/^tick (\d+)$/.exec(l)?.[1]))
      assert.equal(ticks[1], ticks[0] + 1)
      assert.equal(ticks[2], ticks[0] + 2)
    })

    it('patches with every patch strategy', async () => {
      await core.createNamespacedConfigMap({namespace: NS, body: {metadata: {name: 'node-patch', labels: {a: '1'}}, data: {x: '1'}}})
      const patch = (body: object, type: string, extra: {fieldManager?: string; force?: boolean} = {}) =>
        core.patchNamespacedConfigMap({name: 'node-patch', namespace: NS, body, ...extra}, k8s.setHeaderOptions('Content-Type', type))
      assert.deepEqual((await patch([{op: 'add', path: '/data/y', value: '2'}], k8s.PatchStrategy.JsonPatch)).data, {x: '1', y: '2'})
      assert.deepEqual((await patch({data: {x: null, z: '3'}}, k8s.PatchStrategy.MergePatch)).data, {y: '2', z: '3'})
      assert.deepEqual((await patch({metadata: {labels: {b: '2'}}}, k8s.PatchStrategy.StrategicMergePatch)).metadata?.labels, {a: '1', b: '2'})
      const applied = await patch({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'node-patch'}, data: {w: '4'}}, k8s.PatchStrategy.ServerSideApply, {fieldManager: 'node', force: true})
      assert.equal(applied.data?.w, '4')
      assert.ok(applied.metadata?.managedFields?.some((m) => m.manager === 'node' && m.operation === 'Apply'))
    })

    it('delete answers: V1Status for a removed map; the pod, marked, for a graceful pod deletion', async () => {
      await core.createNamespacedConfigMap({namespace: NS, body: {metadata: {name: 'node-del'}}})
      const status = await core.deleteNamespacedConfigMap({name: 'node-del', namespace: NS})
      assert.equal(status.status, 'Success')
      assert.equal(status.details?.name, 'node-del')
      await startPod('node-victim', 'sleep 3600')
      const pod = await core.deleteNamespacedPod({name: 'node-victim', namespace: NS})
      assert.equal(pod.metadata?.name, 'node-victim')
      assert.ok(pod.metadata?.deletionTimestamp)
    })
  })

  describe('our client and kubectl', () => {
    it('ApiClient.delete gets the Status for a removed object and the marked object for a graceful pod deletion', async () => {
      const client = await ApiClient.fromKubeconfig(kubeconfig)
      const cms = {version: 'v1', resource: 'configmaps', namespace: NS}
      await client.create(cms, {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'ours-del'}})
      const answer = await client.delete<any>({...cms, name: 'ours-del'})
      assert.deepEqual([answer.kind, answer.status, answer.details.name], ['Status', 'Success', 'ours-del'])
      await startPod('ours-victim', 'sleep 3600')
      const pod = await client.delete<any>({version: 'v1', resource: 'pods', namespace: NS, name: 'ours-victim'})
      assert.equal(pod.kind, 'Pod')
      assert.ok(pod.metadata.deletionTimestamp)
      // Forced (grace 0): removed at once; Kubernetes answers the pod object itself for pods.
      const forced = await client.delete<any>({version: 'v1', resource: 'pods', namespace: NS, name: 'ours-victim'}, {gracePeriodSeconds: 0})
      assert.equal(forced.kind, 'Pod')
      assert.equal((await k.run(['get', '-n', NS, 'pod', 'ours-victim'])).code, 1)
    })

    it('kubectl delete: a map at once, a pod gracefully (kept, marked), and --grace-period=0 --force at once', async () => {
      assert.equal((await k.run(['create', 'configmap', '-n', NS, 'kc-del'])).code, 0)
      const cm = await k.run(['delete', '-n', NS, 'configmap', 'kc-del'])
      assert.deepEqual([cm.code, cm.stdout.trim()], [0, 'configmap "kc-del" deleted'])
      await startPod('kc-victim', 'sleep 3600')
      const graceful = await k.run(['delete', '-n', NS, 'pod', 'kc-victim', '--wait=false'])
      assert.deepEqual([graceful.code, graceful.stdout.trim()], [0, 'pod "kc-victim" deleted'])
      assert.ok((await k.json(['get', '-n', NS, 'pod', 'kc-victim'])).metadata.deletionTimestamp)
      const forced = await k.run(['delete', '-n', NS, 'pod', 'kc-victim', '--grace-period=0', '--force'])
      assert.equal(forced.code, 0, forced.stderr)
      assert.match(forced.stdout, /pod "kc-victim" force deleted/)
      const after = await k.run(['get', '-n', NS, 'pod', 'kc-victim'])
      assert.match(after.stderr, /NotFound|not found/)
    })

    it('kubectl logs of a crash-looping container serves its last run', async () => {
      const created = await k.run(['apply', '-f', '-'], podYaml('crashy', 'echo run at $(date +%s); exit 1'))
      assert.equal(created.code, 0, created.stderr)
      await waitFor('CrashLoopBackOff with a terminated last run', async () => {
        const st = (await k.json(['get', '-n', NS, 'pod', 'crashy'])).status?.containerStatuses?.[0]
        return st?.state?.waiting?.reason === 'CrashLoopBackOff' && st.lastState?.terminated && st.restartCount >= 1
      }, 120_000, 500)
      const r = await k.run(['logs', '-n', NS, 'crashy'])
      assert.equal(r.code, 0, r.stderr)
      assert.match(r.stdout, /^run at \d+\n$/)
    })

    it('kubectl run -it --rm of a command that exits at once prints its output, deletes the pod and exits 0', async () => {
      // A terminal, as a user has: `script` gives kubectl one. The race is between kubectl's attach and the exit, so the
      // output comes before, around and just after the attach.
      for (const [i, prefix] of ['', '', 'sleep 0.05; ', 'sleep 0.1; ', 'sleep 0.2; '].entries()) {
        const pod = `hi${i}`
        const cmd = `kubectl --kubeconfig ${kubeconfig} --cache-dir ${join(dir, 'cache')} -n ${NS} run -it --rm ${pod} --image=${BUSYBOX_IMAGE} --image-pull-policy=IfNotPresent --restart=Never -- sh -c '${prefix}echo hi'`
        const r = await run('script', ['-qfec', cmd, '/dev/null'], {timeoutMs: 90_000})
        assert.equal(r.code, 0, `run ${i}: ${r.stdout}\n${r.stderr}`)
        assert.match(r.stdout, /^hi\r?$/m, `run ${i}: ${r.stdout}`)
        assert.match(r.stdout, new RegExp(`pod "${pod}" deleted`))
        await waitFor(`pod ${pod} to be gone`, async () => (await k.run(['get', '-n', NS, 'pod', pod])).code !== 0, 60_000, 500)
      }
    })
  })
})
