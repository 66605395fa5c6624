// End to end: a cluster from a config file with a worker limited to 1 CPU / 1 GiB (capacity reported, limit enforced) and cluster DNS and the Ingress controller turned off, node add and remove on the running cluster, stop/start, export-logs.
import assert from 'node:assert/strict'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {deleteClusterHard, kubectlFor, run, skiff} from '../helpers/cli.js'
import {waitFor} from '../helpers/wait.js'

const name = `ops${process.pid % 100000}`
const IMAGE = 'skiff/busybox:test'
const CP = `${name}-control-plane`
const W1 = `${name}-worker`
const W2 = `${name}-worker2`
const GiB = 1024 ** 3

const config = `apiVersion: skiff.dev/v1alpha1
kind: Cluster
name: ${name}
nodes:
  - role: control-plane
  - role: worker
    cpus: 1
    memory: 1Gi
components:
  dns: false
  ingress: false
`

/** Local ports something listens on in a node container's own network namespace (IPv4 and IPv6), from /proc/net. */
async function listeningPorts(node: string): Promise<{tcp: Set<number>; udp: Set<number>}> {
  const ports = async (proto: 'tcp' | 'udp') => {
    const r = await run('docker', ['exec', node, 'sh', '-c', `cat /proc/net/${proto} /proc/net/${proto}6 2>/dev/null; true`])
    assert.equal(r.code, 0, r.stderr)
    // "sl local_address rem_address st ...": local_address is HEXIP:HEXPORT; st 0A is TCP's LISTEN (a bound UDP socket counts).
    const rows = r.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/)).filter((c) => /^\d+:$/.test(c[0]))
    return new Set(rows.filter((c) => proto === 'udp' || c[3] === '0A').map((c) => parseInt(c[1].split(':').pop()!, 16)))
  }
  return {tcp: await ports('tcp'), udp: await ports('udp')}
}

/** A pod on one node running `sh -c script` once. */
const pod = (podName: string, node: string, script: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${podName}}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  nodeSelector: {kubernetes.io/hostname: ${node}}
  containers:
    - name: main
      image: ${IMAGE}
      imagePullPolicy: IfNotPresent
      command: ["sh", "-c", ${JSON.stringify(script)}]
`

describe('cluster operations: config limits, node add/remove, stop/start, export-logs (end to end)', function () {
  this.timeout(900_000)
  let dir: string
  let kubeconfig: string
  let k: ReturnType<typeof kubectlFor>
  let createResult: any
  const terminated = async (podName: string) => (await k.json(['get', 'pod', podName])).status?.containerStatuses?.[0]?.state?.terminated
  const ready = (n: any) => (n.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True')

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skiff-ops-'))
    kubeconfig = join(dir, 'config')
    k = kubectlFor(kubeconfig, join(dir, 'cache'))
    const built = await run('scripts/build-busybox-image.sh', [IMAGE])
    assert.equal(built.code, 0, built.stderr)
    await writeFile(join(dir, 'skiff.yaml'), config)
    const created = await skiff(['cluster', 'create', '--config', join(dir, 'skiff.yaml'), '--kubeconfig', kubeconfig, '--no-switch-context', '--json'], {timeoutMs: 580_000})
    assert.equal(created.code, 0, `${created.stdout}\n${created.stderr}`)
    createResult = JSON.parse(created.stdout)
    const loaded = await skiff(['image', 'load', IMAGE, '--name', name])
    assert.equal(loaded.code, 0, loaded.stderr)
  })

  after(async () => {
    await deleteClusterHard(name, kubeconfig)
    if (dir) await rm(dir, {recursive: true, force: true})
  })

  it('with dns and ingress turned off: no kube-dns Service, IngressClass, DNS or Ingress listener, no host ports 80/443; pods still run', async () => {
    // create --wait returned with every node Ready, without waiting for a DNS that is not there.
    assert.deepEqual(createResult.disabled, ['dns', 'ingress'])
    assert.equal(createResult.ingress, undefined)
    assert.ok(createResult.milestones.nodesReady > 0)
    assert.equal(createResult.milestones.dnsReady, undefined)
    assert.match((await k.run(['get', 'service', 'kube-dns', '-n', 'kube-system'])).stderr, /NotFound/)
    assert.deepEqual((await k.json(['get', 'ingressclasses'])).items, [])
    // Only what was turned off is missing: the default StorageClass and the kubernetes Service are there.
    assert.deepEqual((await k.json(['get', 'storageclasses'])).items.map((c: any) => c.metadata.name), ['standard'])
    assert.equal((await k.json(['get', 'service', 'kubernetes'])).spec.clusterIP, '10.96.0.1')
    for (const node of [CP, W1]) {
      const {tcp, udp} = await listeningPorts(node)
      assert.ok(!udp.has(53) && !tcp.has(53), `${node}: something listens on port 53`)
      assert.ok(tcp.has(10250), `${node}: the agent's :10250 should be listening (the check reads the right table)`)
    }
    const cp = await listeningPorts(CP)
    assert.ok(cp.tcp.has(6443), 'the apiserver listens on 6443')
    assert.ok(!cp.tcp.has(80) && !cp.tcp.has(443), 'no Ingress listener on 80/443')
    // Nothing published on the host for Ingress, and the list shows none.
    const published = (await run('docker', ['port', CP])).stdout
    assert.doesNotMatch(published, /^(80|443)\/tcp/m)
    const listed = JSON.parse((await skiff(['cluster', 'list', '-o', 'json'])).stdout).find((c: any) => c.name === name)
    assert.equal(listed.ingress, undefined)
    // Pods run, and still get the kube-dns address as their nameserver (for a DNS the user installs there).
    assert.equal((await k.run(['apply', '-f', '-'], pod('no-dns', W1, 'cat /etc/resolv.conf'))).code, 0)
    const done = await waitFor('the pod to finish', () => terminated('no-dns'), 180_000, 1000)
    assert.equal(done.exitCode, 0, JSON.stringify(done))
    assert.match((await k.run(['logs', 'no-dns'])).stdout, /nameserver 10\.96\.0\.10/)
    assert.equal((await k.run(['delete', 'pod', 'no-dns', '--wait=false'])).code, 0)
  })

  it("reports the limited worker's 1 CPU and 1 GiB as its capacity and allocatable", async () => {
    const r = await k.run(['get', 'node', '-o', 'jsonpath={.items[*].status.capacity}'])
    assert.equal(r.code, 0, r.stderr)
    // One JSON map per node, in name order: the control plane, then the worker.
    const maps = r.stdout.trim().split(/(?<=\})\s+(?=\{)/).map((s) => JSON.parse(s))
    assert.equal(maps.length, 2)
    const nodes = (await k.json(['get', 'nodes'])).items
    const worker = nodes.find((n: any) => n.metadata.name === W1)
    assert.deepEqual(maps[nodes.indexOf(worker)], worker.status.capacity)
    assert.equal(worker.status.capacity.cpu, '1')
    assert.equal(worker.status.allocatable.cpu, '1')
    const mem = Number((await k.run(['get', 'node', W1, '-o', 'go-template={{.status.capacity.memory}}'])).stdout.replace('Gi', '')) || undefined
    // "1Gi" exactly on this engine; tolerate a limit the engine rounded to pages.
    const bytes = mem === 1 ? GiB : Number(worker.status.capacity.memory.replace(/Ki$/, '')) * 1024
    assert.ok(bytes > 0.95 * GiB && bytes <= GiB, `worker memory capacity ${worker.status.capacity.memory}`)
    // The control plane is not limited: it reports the machine.
    const cp = nodes.find((n: any) => n.metadata.name === CP)
    assert.notEqual(cp.status.capacity.memory, worker.status.capacity.memory)
    const limits = await run('docker', ['inspect', '-f', '{{.HostConfig.NanoCpus}} {{.HostConfig.Memory}}', W1])
    assert.equal(limits.stdout.trim(), `1000000000 ${GiB}`)
  })

  it('a container on the limited worker cannot use more memory than the node has; a smaller allocation works', async () => {
    // dd allocates its whole block before reading into it: 256 MiB fits, 1.5 GiB does not fit in the node's 1 GiB.
    assert.equal((await k.run(['apply', '-f', '-'], pod('fits', W1, 'dd if=/dev/zero of=/dev/null bs=256M count=2 && echo done'))).code, 0)
    assert.equal((await k.run(['apply', '-f', '-'], pod('hog', W1, 'dd if=/dev/zero of=/dev/null bs=1500M count=2 && echo done'))).code, 0)
    const fits = await waitFor('the 256 MiB pod to finish', () => terminated('fits'), 180_000, 1000)
    assert.equal(fits.exitCode, 0, JSON.stringify(fits))
    const hog = await waitFor('the 1.5 GiB pod to be killed', () => terminated('hog'), 180_000, 1000)
    assert.ok(hog.reason === 'OOMKilled' || hog.exitCode === 137, `expected an OOM kill, got ${JSON.stringify(hog)}`)
    assert.doesNotMatch((await k.run(['logs', 'hog'])).stdout, /done/)
    // The node survived its pod's OOM.
    assert.ok(ready((await k.json(['get', 'node', W1]))))
  })

  it('node add: a new worker joins, turns Ready with its own pod range and runs a pod', async () => {
    const added = await skiff(['node', 'add', '--cluster', name, '--json'], {timeoutMs: 300_000})
    assert.equal(added.code, 0, `${added.stdout}\n${added.stderr}`)
    const result = JSON.parse(added.stdout)
    assert.equal(result.name, W2)
    assert.equal(result.ready, true)
    const node = await k.json(['get', 'node', W2])
    assert.ok(ready(node))
    assert.equal(node.spec.podCIDR, result.podCIDR)
    const others = (await k.json(['get', 'nodes'])).items.filter((n: any) => n.metadata.name !== W2).map((n: any) => n.spec.podCIDR)
    assert.ok(!others.includes(result.podCIDR), 'pod range must be its own')
    const list = JSON.parse((await skiff(['node', 'list', '--cluster', name, '-o', 'json'])).stdout)
    assert.deepEqual(list.map((r: any) => [r.name, r.status]), [[CP, 'Ready'], [W1, 'Ready'], [W2, 'Ready']])
    assert.equal((await skiff(['image', 'load', IMAGE, '--name', name, '--nodes', W2])).code, 0)
    // The joining worker inherits the cluster's components: no DNS server on it either.
    const env = (await run('docker', ['inspect', '-f', '{{join .Config.Env "\\n"}}', W2])).stdout
    assert.match(env, /^SKIFF_DISABLE=dns,ingress$/m)
    const w2 = await listeningPorts(W2)
    assert.ok(!w2.udp.has(53) && !w2.tcp.has(53) && w2.tcp.has(10250), `${W2} listens on ${[...w2.tcp]}`)
    // A pod on the new node reaches a pod on the old worker by pod IP (the other agents route to the new range).
    assert.equal((await k.run(['apply', '-f', '-'], pod('on-new', W2, 'sleep 3600'))).code, 0)
    await waitFor('the pod on the new node to run', async () => (await k.json(['get', 'pod', 'on-new'])).status?.phase === 'Running', 180_000, 1000)
    assert.equal((await k.run(['apply', '-f', '-'], pod('on-old', W1, 'httpd -f -p 8080 -h /etc'))).code, 0)
    const oldIP = await waitFor('the pod on the old worker to run', async () => {
      const p = await k.json(['get', 'pod', 'on-old'])
      return p.status?.phase === 'Running' && p.status.podIP
    }, 180_000, 1000)
    // busybox's wget crashes in this image; nc speaks the request.
    const request = `printf 'GET /hostname HTTP/1.0\\r\\n\\r\\n' | nc -w 2 ${oldIP} 8080`
    const reached = await waitFor('a pod on the new node to reach one on the old', async () => {
      const r = await k.run(['exec', 'on-new', '--', 'sh', '-c', request])
      return /200 OK/.test(r.stdout) && r.stdout.includes('on-old')
    }, 60_000, 1000)
    assert.ok(reached)
  })

  it('node remove: the worker is drained (its Deployment pods move), then its Node, container and volumes are gone', async () => {
    assert.equal((await k.run(['delete', 'pod', 'on-new', 'on-old', 'fits', 'hog', '--wait=false'])).code, 0)
    // Everything of the Deployment lands on the new worker: the old one is cordoned while it is created.
    assert.equal((await k.run(['cordon', W1])).code, 0)
    const deploy = `apiVersion: apps/v1
kind: Deployment
metadata: {name: mover}
spec:
  replicas: 2
  selector: {matchLabels: {app: mover}}
  template:
    metadata: {labels: {app: mover}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - {name: main, image: ${IMAGE}, imagePullPolicy: IfNotPresent, command: ["sleep", "3600"]}
`
    assert.equal((await k.run(['apply', '-f', '-'], deploy)).code, 0)
    const readyOn = async (node: string) => {
      const ps = ((await k.json(['get', 'pods', '-l', 'app=mover'])).items as any[]).filter((p) => !p.metadata.deletionTimestamp && p.status?.phase === 'Running')
      return ps.length === 2 && ps.every((p) => p.spec.nodeName === node) && ps
    }
    const before = await waitFor('2 mover pods on the new worker', () => readyOn(W2), 180_000, 1000)
    assert.equal((await k.run(['uncordon', W1])).code, 0)
    const removed = await skiff(['node', 'remove', W2, '--json'], {timeoutMs: 300_000})
    assert.equal(removed.code, 0, `${removed.stdout}\n${removed.stderr}`)
    const result = JSON.parse(removed.stdout)
    assert.deepEqual([...result.evicted].sort(), before.map((p: any) => `default/${p.metadata.name}`).sort())
    assert.match((await k.run(['get', 'node', W2])).stderr, /NotFound/)
    assert.notEqual((await run('docker', ['inspect', W2])).code, 0, 'container must be gone')
    const vols = (await run('docker', ['volume', 'ls', '-q', '--filter', `name=${W2}-`])).stdout.trim()
    assert.equal(vols, '', 'volumes must be gone')
    await waitFor('2 mover pods back on the old worker', () => readyOn(W1), 180_000, 1000)
    assert.equal((await skiff(['node', 'remove', CP, '--cluster', name])).code, 2, 'the control plane cannot be removed')
  })

  it('cluster stop then start: every node comes back Ready on the same address, objects are kept, the load balancer stops and returns', async () => {
    assert.equal((await k.run(['create', 'configmap', 'kept', '--from-literal=a=1'])).code, 0)
    // A LoadBalancer Service puts the cluster's load-balancer container on the host.
    assert.equal((await k.run(['create', 'service', 'loadbalancer', 'kept-lb', '--tcp=80:8080'])).code, 0)
    const lb = `${name}-lb`
    const lbRunning = async () => (await run('docker', ['inspect', '-f', '{{.State.Running}}', lb])).stdout.trim() === 'true'
    await waitFor('the load-balancer container to run', lbRunning, 60_000, 500)
    const ipsBefore = JSON.parse((await skiff(['node', 'list', '--cluster', name, '-o', 'json'])).stdout).map((r: any) => [r.name, r.ip])
    const stopped = await skiff(['cluster', 'stop', name, '--json'], {timeoutMs: 120_000})
    assert.equal(stopped.code, 0, stopped.stderr)
    assert.deepEqual(JSON.parse(stopped.stdout).nodes.map((n: any) => n.state), ['exited', 'exited'])
    assert.equal(await lbRunning(), false, 'a stopped cluster leaves nothing listening on the host')
    const listed = JSON.parse((await skiff(['cluster', 'list', '-o', 'json'])).stdout).find((c: any) => c.name === name)
    assert.equal(listed.state, 'Stopped')
    const started = await skiff(['cluster', 'start', name, '--json'], {timeoutMs: 300_000})
    assert.equal(started.code, 0, `${started.stdout}\n${started.stderr}`)
    assert.equal(JSON.parse(started.stdout).ready, true)
    const nodes = (await k.json(['get', 'nodes'])).items
    assert.deepEqual(nodes.map((n: any) => [n.metadata.name, ready(n)]), [[CP, true], [W1, true]])
    const ipsAfter = JSON.parse((await skiff(['node', 'list', '--cluster', name, '-o', 'json'])).stdout).map((r: any) => [r.name, r.ip])
    assert.deepEqual(ipsAfter, ipsBefore)
    assert.equal((await k.json(['get', 'configmap', 'kept'])).data.a, '1')
    await waitFor('the load-balancer container to run again', lbRunning, 60_000, 500)
  })

  it("export-logs writes a .tar.gz with the apiserver's log, containerd's log, node descriptions and events", async () => {
    const out = join(dir, 'logs')
    const r = await skiff(['cluster', 'export-logs', name, out, '--json'], {timeoutMs: 120_000})
    assert.equal(r.code, 0, r.stderr)
    const result = JSON.parse(r.stdout)
    assert.match(result.archive, /\.tar\.gz$/)
    const listing = (await run('tar', ['-tzf', result.archive])).stdout.split('\n')
    const has = (suffix: string) => listing.some((f) => f.endsWith(suffix))
    for (const f of [`${CP}/components/apiserver.log`, `${CP}/components/controller-manager.log`, `${W1}/components/agent.log`, `${CP}/var-log/containerd.log`, `${CP}/var-log/etcd.log`, 'nodes.yaml', 'events.yaml']) assert.ok(has(f), `archive lacks ${f}`)
    const top = listing[0].split('/')[0]
    const apiLog = await run('tar', ['-xzOf', result.archive, `${top}/${CP}/components/apiserver.log`])
    assert.match(apiLog.stdout, /apiserver/)
    const nodesYaml = await run('tar', ['-xzOf', result.archive, `${top}/nodes.yaml`])
    assert.match(nodesYaml.stdout, new RegExp(`name: ${W1}`))
  })
})
