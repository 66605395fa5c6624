// End to end: workloads on a real 1+2 node cluster, driven by the real kubectl (issue: workloads run).
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {deleteClusterHard, kubectlFor, run, skiff} from '../helpers/cli.js'
import {waitFor} from '../helpers/wait.js'

const name = `wl${process.pid % 100000}`
const IMAGE = 'skiff/busybox:test'
const IMAGE2 = 'skiff/busybox:v2'

function docker(args: string[]): string {
  return execFileSync('docker', args, {encoding: 'utf8'})
}

const deployment = (n: string, replicas: number, image: string, extra = '') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${n}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: ${n}}
  template:
    metadata:
      labels: {app: ${n}}
    spec:
      terminationGracePeriodSeconds: 2
      containers:
        - name: app
          image: ${image}
          imagePullPolicy: IfNotPresent
          command: ["sh", "-c", "echo started $(hostname); i=0; while true; do i=$((i+1)); echo tick $i; sleep 1; done"]
${extra}`

describe('workloads (end to end)', function () {
  this.timeout(900_000)
  let dir: string
  let kubeconfig: string
  let k: ReturnType<typeof kubectlFor>
  const json = (args: string[]) => k.json(args)
  const pods = async (selector: string) => (await json(['get', 'pods', '-l', selector])).items as any[]
  const running = (p: any) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp
  const ready = (p: any) => running(p) && (p.status.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True')

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skiff-wl-'))
    kubeconfig = join(dir, 'config')
    k = kubectlFor(kubeconfig, join(dir, 'cache'))
    const built = await run('scripts/build-busybox-image.sh', [IMAGE, IMAGE2])
    assert.equal(built.code, 0, built.stderr)
    const res = await skiff(['cluster', 'create', name, '--kubeconfig', kubeconfig], {timeoutMs: 880_000})
    assert.equal(res.code, 0, `cluster create failed:\n${res.stdout}\n${res.stderr}`)
    const load = await skiff(['image', 'load', IMAGE, IMAGE2, '--name', name, '--json'])
    assert.equal(load.code, 0, load.stderr)
    assert.equal(JSON.parse(load.stdout).nodes.filter((n: any) => n.loaded).length, 3)
  })

  after(async () => {
    await deleteClusterHard(name, kubeconfig)
    if (dir) await rm(dir, {recursive: true, force: true})
  })

  it('image load skips nodes that already have the same image', async () => {
    const again = JSON.parse((await skiff(['image', 'load', IMAGE, '--name', name, '--json'])).stdout)
    assert.equal(again.nodes.filter((n: any) => n.loaded).length, 0)
  })

  it('runs a 3-replica Deployment spread over both workers; rollout status returns', async () => {
    assert.equal((await k.run(['apply', '-f', '-'], deployment('web', 3, IMAGE))).code, 0)
    const rs = await k.run(['rollout', 'status', 'deploy/web', '--timeout=120s'])
    assert.equal(rs.code, 0, rs.stderr)
    assert.match(rs.stdout, /successfully rolled out/)
    const ps = await pods('app=web')
    assert.equal(ps.filter(ready).length, 3)
    const nodes = new Set(ps.map((p) => p.spec.nodeName))
    assert.deepEqual([...nodes].sort(), [`${name}-worker`, `${name}-worker2`])
    for (const p of ps) assert.match(p.status.podIP, /^10\.244\.\d+\.\d+$/)
    const wide = await k.run(['get', 'pods', '-o', 'wide', '-l', 'app=web'])
    assert.match(wide.stdout, /10\.244\.\d+\.\d+\s+\S*worker/)
  })

  it('runs pods in each node\'s containerd (ctr lists them, no dockerd); a killed agent restarts no pod', async () => {
    const nodes = [`${name}-control-plane`, `${name}-worker`, `${name}-worker2`]
    for (const node of nodes) {
      const procs = docker(['exec', node, 'ps', '-eo', 'comm'])
      assert.ok(!/^dockerd$/m.test(procs), `dockerd runs in ${node}`)
      assert.match(procs, /^containerd$/m)
    }
    const containerID = (p: any) => p.status.containerStatuses[0].containerID.replace('containerd://', '')
    const ps = await pods('app=web')
    for (const p of ps) {
      const listed = docker(['exec', p.spec.nodeName, 'ctr', '-n', 'k8s.io', 'containers', 'ls', '-q']).split('\n')
      assert.ok(listed.includes(containerID(p)), `${p.metadata.name}'s container is not in ${p.spec.nodeName}'s containerd`)
    }

    // Kill the node's components process (the agent) with SIGKILL: the node's supervisor starts it again, and the
    // new agent adopts the running containers from containerd instead of restarting them.
    const worker = `${name}-worker`
    const before = new Map(ps.filter((p) => p.spec.nodeName === worker).map((p) => [p.metadata.name, {id: containerID(p), restarts: p.status.containerStatuses[0].restartCount}]))
    assert.ok(before.size > 0, 'no web pod on the worker')
    const registrations = () => (docker(['logs', worker]).match(/registered and Ready/g) ?? []).length
    const registered = registrations()
    docker(['exec', worker, 'pkill', '-KILL', '-f', 'skiff-node.cjs'])
    await waitFor('the agent to register again', async () => registrations() > registered, 60_000)
    // A new pod scheduled after the restart shows the agent syncing again (it syncs the pods it found first).
    assert.equal((await k.run(['scale', 'deploy/web', '--replicas=5'])).code, 0)
    assert.equal((await k.run(['rollout', 'status', 'deploy/web', '--timeout=120s'])).code, 0)
    const after = await pods('app=web')
    for (const [podName, b] of before) {
      const p = after.find((x) => x.metadata.name === podName)
      assert.ok(p && ready(p), `${podName} is gone or not ready after the agent restart`)
      assert.equal(containerID(p), b.id, `${podName}'s container was replaced`)
      assert.equal(p.status.containerStatuses[0].restartCount, b.restarts, `${podName} restarted`)
    }
    assert.equal((await k.run(['scale', 'deploy/web', '--replicas=3'])).code, 0)
    await waitFor('3 web pods', async () => (await pods('app=web')).length === 3, 60_000)
  })

  it('rejects pod traffic to unserved service and pod addresses inside the node (nothing leaves the cluster)', async () => {
    const [p] = await pods('app=web')
    // Routing decision on the node: the pod range ends in an unreachable route (the node's own /24 stays connected),
    // the service range is local to the node, so what no proxy rule serves stays on the node.
    const routes = docker(['exec', p.spec.nodeName, 'ip', 'route', 'show'])
    assert.match(routes, /^unreachable 10\.244\.0\.0\/16/m)
    assert.match(docker(['exec', p.spec.nodeName, 'ip', 'route', 'show', 'table', 'local']), /^local 10\.96\.0\.0\/16 dev lo/m)
    // From inside a pod: connecting to an unserved ClusterIP-range address and to a pod range no node owns fails
    // at once (refused by the node, or an ICMP error from it), instead of wandering out through the host's gateway.
    for (const [addr, answer] of [['10.96.123.45', /refused/i], ['10.244.200.7', /unreachable|No route to host/i]] as const) {
      const r = await k.run(['exec', p.metadata.name, '--', 'sh', '-c', `nc -w 3 ${addr} 80 </dev/null; echo rc=$?`])
      assert.match(r.stdout + r.stderr, /rc=1/, `${addr}: ${r.stdout} ${r.stderr}`)
      assert.match(r.stdout + r.stderr, answer, `${addr}: ${r.stdout} ${r.stderr}`)
    }
  })

  it('restarts a killed container (RESTARTS increments), replaces a deleted pod, scales to 5', async () => {
    const [p] = await pods('app=web')
    const id = p.status.containerStatuses[0].containerID.replace('containerd://', '')
    docker(['exec', p.spec.nodeName, 'ctr', '-n', 'k8s.io', 'tasks', 'kill', '-s', 'SIGKILL', id])
    await waitFor('restart count 1', async () => {
      const cur = JSON.parse((await k.run(['get', 'pod', p.metadata.name, '-o', 'json'])).stdout)
      return cur.status.containerStatuses[0].restartCount >= 1 && running(cur)
    })
    assert.equal((await k.run(['delete', 'pod', p.metadata.name, '--wait=false'])).code, 0)
    await waitFor('a replacement pod', async () => {
      const ps = await pods('app=web')
      return ps.filter((x) => running(x) && x.metadata.name !== p.metadata.name).length === 3
    })
    assert.equal((await k.run(['scale', 'deploy/web', '--replicas=5'])).code, 0)
    await waitFor('5 running pods', async () => (await pods('app=web')).filter(running).length === 5)
  })

  it('set image rolls out without dropping below replicas - maxUnavailable ready; history and undo work', async () => {
    let minReady = Infinity
    let stop = false
    const sampler = (async () => {
      while (!stop) {
        const d = JSON.parse((await k.run(['get', 'deploy', 'web', '-o', 'json'])).stdout)
        minReady = Math.min(minReady, d.status.availableReplicas ?? 0)
        await new Promise((r) => setTimeout(r, 200))
      }
    })()
    assert.equal((await k.run(['set', 'image', 'deploy/web', `app=${IMAGE2}`])).code, 0)
    const rs = await k.run(['rollout', 'status', 'deploy/web', '--timeout=180s'])
    stop = true
    await sampler
    assert.equal(rs.code, 0, rs.stderr)
    // 5 replicas, maxUnavailable 25% rounds down to 1.
    assert.ok(minReady >= 4, `availability dropped to ${minReady}`)
    const ps = (await pods('app=web')).filter(running)
    assert.ok(ps.every((p) => p.spec.containers[0].image === IMAGE2))
    const hist = await k.run(['rollout', 'history', 'deploy/web'])
    assert.match(hist.stdout, /^1\s/m)
    assert.match(hist.stdout, /^2\s/m)
    assert.equal((await k.run(['rollout', 'undo', 'deploy/web'])).code, 0)
    assert.equal((await k.run(['rollout', 'status', 'deploy/web', '--timeout=180s'])).code, 0)
    const rsList = (await json(['get', 'rs', '-l', 'app=web'])).items
    assert.equal(rsList.length, 2, 'undo revives the old ReplicaSet instead of creating a third')
    await waitFor('pods back on the first image', async () => (await pods('app=web')).filter(running).every((p) => p.spec.containers[0].image === IMAGE))
  })

  it('logs, logs -f, exec and exec -i work', async () => {
    const [p] = (await pods('app=web')).filter(running)
    const logs = await k.run(['logs', p.metadata.name])
    assert.equal(logs.code, 0, logs.stderr)
    assert.match(logs.stdout, /started/)
    const follow = k.spawn(['logs', '-f', p.metadata.name, '--tail=1'])
    let out = ''
    follow.stdout!.on('data', (c) => (out += c))
    try {
      await waitFor('streamed lines', async () => (out.match(/tick/g) ?? []).length >= 3, 15_000)
    } finally {
      follow.kill()
    }
    const host = await k.run(['exec', p.metadata.name, '--', 'cat', '/etc/hostname'])
    assert.equal(host.code, 0, host.stderr)
    assert.equal(host.stdout.trim(), p.metadata.name)
    const sh = await k.run(['exec', '-i', p.metadata.name, '--', 'sh'], 'echo from-stdin $((6*7))\nexit 0\n')
    assert.equal(sh.code, 0, sh.stderr)
    assert.match(sh.stdout, /from-stdin 42/)
    const fail = await k.run(['exec', p.metadata.name, '--', 'sh', '-c', 'exit 3'])
    assert.equal(fail.code, 3)
  })

  it('a crashing container shows Error then CrashLoopBackOff; logs --previous shows the last run', async () => {
    const crash = `apiVersion: v1
kind: Pod
metadata: {name: crash}
spec:
  containers:
    - name: app
      image: ${IMAGE}
      command: ["sh", "-c", "echo run-$(date +%s%N); exit 1"]
`
    assert.equal((await k.run(['apply', '-f', '-'], crash)).code, 0)
    await waitFor('CrashLoopBackOff', async () => /CrashLoopBackOff/.test((await k.run(['get', 'pod', 'crash'])).stdout), 90_000)
    const p = JSON.parse((await k.run(['get', 'pod', 'crash', '-o', 'json'])).stdout)
    assert.ok(p.status.containerStatuses[0].restartCount >= 1)
    assert.equal(p.status.containerStatuses[0].lastState.terminated.reason, 'Error')
    const prev = await k.run(['logs', 'crash', '--previous'])
    assert.equal(prev.code, 0, prev.stderr)
    assert.match(prev.stdout, /run-\d+/)
    await k.run(['delete', 'pod', 'crash', '--wait=false'])
  })

  it('a failing liveness probe restarts the container; a failing readiness probe keeps the pod un-ready', async () => {
    const probes = `apiVersion: v1
kind: Pod
metadata: {name: probes}
spec:
  containers:
    - name: live
      image: ${IMAGE}
      command: ["sh", "-c", "touch /tmp/ok; sleep 3600"]
      livenessProbe:
        exec: {command: ["sh", "-c", "test -f /tmp/never"]}
        initialDelaySeconds: 1
        periodSeconds: 1
        failureThreshold: 2
    - name: notready
      image: ${IMAGE}
      command: ["sleep", "3600"]
      readinessProbe:
        exec: {command: ["false"]}
        periodSeconds: 1
`
    assert.equal((await k.run(['apply', '-f', '-'], probes)).code, 0)
    await waitFor('liveness restart', async () => {
      const p = JSON.parse((await k.run(['get', 'pod', 'probes', '-o', 'json'])).stdout)
      return (p.status.containerStatuses ?? []).find((c: any) => c.name === 'live')?.restartCount >= 1
    }, 90_000)
    const p = JSON.parse((await k.run(['get', 'pod', 'probes', '-o', 'json'])).stdout)
    assert.equal(p.status.containerStatuses.find((c: any) => c.name === 'notready').ready, false)
    assert.equal(p.status.conditions.find((c: any) => c.type === 'Ready').status, 'False')
    const ev = await k.run(['get', 'events', '--field-selector', 'involvedObject.name=probes'])
    assert.match(ev.stdout, /Unhealthy/)
    await k.run(['delete', 'pod', 'probes', '--wait=false'])
  })

  it('a pod asking for more CPU than any node has stays Pending with a FailedScheduling event', async () => {
    const big = `apiVersion: v1
kind: Pod
metadata: {name: big}
spec:
  containers:
    - name: app
      image: ${IMAGE}
      command: ["sleep", "3600"]
      resources: {requests: {cpu: "500"}}
`
    assert.equal((await k.run(['apply', '-f', '-'], big)).code, 0)
    const ev = await waitFor('FailedScheduling', async () => {
      const r = await k.run(['get', 'events', '--field-selector', 'involvedObject.name=big,reason=FailedScheduling', '-o', 'json'])
      return JSON.parse(r.stdout).items[0]
    })
    assert.match(ev.message, /0\/3 nodes are available: .*Insufficient cpu/)
    const p = JSON.parse((await k.run(['get', 'pod', 'big', '-o', 'json'])).stdout)
    assert.equal(p.status.phase, 'Pending')
    assert.equal(p.status.conditions.find((c: any) => c.type === 'PodScheduled').status, 'False')
    await k.run(['delete', 'pod', 'big'])
  })

  it('ConfigMap and Secret values reach containers as env and files', async () => {
    assert.equal((await k.run(['create', 'configmap', 'cfg', '--from-literal=greeting=hello'])).code, 0)
    assert.equal((await k.run(['create', 'secret', 'generic', 'sec', '--from-literal=token=s3cret'])).code, 0)
    const pod = `apiVersion: v1
kind: Pod
metadata: {name: cfgpod}
spec:
  containers:
    - name: app
      image: ${IMAGE}
      command: ["sleep", "3600"]
      env:
        - name: GREETING
          valueFrom: {configMapKeyRef: {name: cfg, key: greeting}}
        - name: TOKEN
          valueFrom: {secretKeyRef: {name: sec, key: token}}
      volumeMounts:
        - {name: c, mountPath: /etc/cfg}
        - {name: s, mountPath: /etc/sec}
  volumes:
    - name: c
      configMap: {name: cfg}
    - name: s
      secret: {secretName: sec}
`
    assert.equal((await k.run(['apply', '-f', '-'], pod)).code, 0)
    await waitFor('cfgpod running', async () => running(JSON.parse((await k.run(['get', 'pod', 'cfgpod', '-o', 'json'])).stdout)), 60_000)
    const out = await k.run(['exec', 'cfgpod', '--', 'sh', '-c', 'echo $GREETING $TOKEN $(cat /etc/cfg/greeting) $(cat /etc/sec/token)'])
    assert.equal(out.stdout.trim(), 'hello s3cret hello s3cret')
    await k.run(['delete', 'pod', 'cfgpod', '--wait=false'])
  })

  it('deleting a Deployment removes its ReplicaSets and pods; deleting a namespace removes its contents', async () => {
    assert.equal((await k.run(['delete', 'deploy', 'web'])).code, 0)
    await waitFor('rs and pods gone', async () => (await json(['get', 'rs', '-l', 'app=web'])).items.length === 0 && (await pods('app=web')).length === 0, 90_000)
    assert.equal((await k.run(['create', 'namespace', 'scratch'])).code, 0)
    // Every namespace gets its default ServiceAccount, and gets it back when it is deleted.
    const defaultSA = async () => (await k.run(['-n', 'scratch', 'get', 'sa', 'default', '-o', 'jsonpath={.metadata.uid}'])).stdout.trim()
    await waitFor('the default ServiceAccount in scratch', async () => (await defaultSA()) !== '', 20_000)
    const firstUID = await defaultSA()
    assert.equal((await k.run(['-n', 'scratch', 'delete', 'sa', 'default'])).code, 0)
    await waitFor('the default ServiceAccount recreated', async () => !['', firstUID].includes(await defaultSA()), 20_000)
    assert.equal((await k.run(['-n', 'scratch', 'apply', '-f', '-'], deployment('tmp', 1, IMAGE))).code, 0)
    await waitFor('tmp running', async () => (await json(['-n', 'scratch', 'get', 'pods'])).items.some(running), 60_000)
    assert.equal((await k.run(['delete', 'namespace', 'scratch', '--timeout=120s'])).code, 0)
    const gone = await k.run(['get', 'namespace', 'scratch'])
    assert.match(gone.stderr, /NotFound/)
    const immortal = await k.run(['delete', 'namespace', 'kube-system'])
    assert.notEqual(immortal.code, 0)
    assert.match(immortal.stderr, /namespaces "kube-system" is forbidden: this namespace may not be deleted/)
  })
})
