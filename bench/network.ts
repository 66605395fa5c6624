// Benchmark (not a test): service networking figures beside their floors, on one real cluster: endpoint change → rule on every node, DNS latency in a pod, ClusterIP vs pod IP throughput, LoadBalancer vs `docker run -p`.
// Usage: node --import tsx bench/network.ts [--changes 10] [--seconds 3] [--rounds 4]   (creates and deletes its own 1+2 node cluster)
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {arg, exec, freePort, httpLoadScript, inPodNetwork, kubectl, median, pct, podPid, round, skiff} from './lib.js'

const IMAGE = 'skiff/busybox:test'
const changes = Number(arg('changes', '10'))
const seconds = Number(arg('seconds', '3'))
const rounds = Number(arg('rounds', '4'))
const fmt = (xs: number[]) => `p50 ${round(pct(xs, 50))} ms  p99 ${round(pct(xs, 99))} ms  max ${round(Math.max(...xs))} ms  (n=${xs.length})`

const serve = 'mkdir -p /www; echo ok > /www/index.html; exec httpd -f -p 8080 -h /www'
const serverPod = (name: string, labels: string, worker: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}, labels: {${labels}}}
spec:
  nodeName: ${worker}
  terminationGracePeriodSeconds: 0
  containers: [{name: web, image: ${IMAGE}, imagePullPolicy: IfNotPresent, command: ["sh", "-c", "${serve}"], ports: [{containerPort: 8080}]}]
`
// Two identical servers on the same node: one behind the Service, one reached by pod IP. One server for both paths
// would share its TIME_WAIT sockets between them, and a SYN whose timestamp comes from the other path's per-connection
// offset fails its PAWS check there (a 1 s SYN retransmit): the figure would measure that collision, not the proxy.
const manifests = (worker: string, lbPort: number) => `${serverPod('bn-web', 'app: bn-web', worker)}---
${serverPod('bn-direct', 'app: bn-direct', worker)}---
${serverPod('bn-flip', 'app: bn-flip, serving: "no"', worker)}---
apiVersion: v1
kind: Pod
metadata: {name: bn-client}
spec:
  terminationGracePeriodSeconds: 0
  affinity: {podAntiAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [{topologyKey: kubernetes.io/hostname, labelSelector: {matchLabels: {app: bn-web}}}]}}
  containers: [{name: c, image: ${IMAGE}, imagePullPolicy: IfNotPresent, command: ["sleep", "36000"]}]
---
apiVersion: v1
kind: Service
metadata: {name: bn-web}
spec: {selector: {app: bn-web}, ports: [{port: 80, targetPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: bn-flip}
spec: {selector: {app: bn-flip, serving: "yes"}, ports: [{port: 80, targetPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: bn-lb}
spec: {type: LoadBalancer, selector: {app: bn-web}, ports: [{port: ${lbPort}, targetPort: 8080}]}
`

/** Starts a watcher in a node that prints the epoch ms at which `grep` over the nat rules first (dis)agrees. */
function ruleWatcher(node: string, pattern: string, present: boolean): Promise<number> {
  const test = present ? `! iptables-save -t nat | grep -q -- '${pattern}'` : `iptables-save -t nat | grep -q -- '${pattern}'`
  return exec('docker', ['exec', node, 'sh', '-c', `while ${test}; do sleep 0.005; done; date +%s%3N`], {timeout: 30_000}).then((r) => Number(r.stdout.trim()))
}

/** Endpoint change (a label making a pod match a service, and back) → the rule on every node; and the floor of a rule we write ourselves. */
async function ruleLatency(k: ReturnType<typeof kubectl>, nodes: string[], ip: string): Promise<{change: number[]; floor: number[]}> {
  const change: number[] = []
  const floor: number[] = []
  for (let i = 0; i < changes * 2; i++) {
    const adding = i % 2 === 0
    const watchers = nodes.map((n) => ruleWatcher(n, `--to-destination ${ip}:8080`, adding))
    await new Promise((r) => setTimeout(r, 300))
    const t0 = Date.now()
    await k.run(['label', 'pod', 'bn-flip', `serving=${adding ? 'yes' : 'no'}`, '--overwrite'])
    change.push(Math.max(...(await Promise.all(watchers))) - t0)
  }
  for (let i = 0; i < changes; i++) {
    const chain = `SKIFF-BENCH-${i}`
    const watchers = nodes.map((n) => ruleWatcher(n, `:${chain} `, true))
    await new Promise((r) => setTimeout(r, 300))
    const t0 = Date.now()
    await Promise.all(nodes.map((n) => exec('docker', ['exec', n, 'iptables', '-w', '-t', 'nat', '-N', chain])))
    floor.push(Math.max(...(await Promise.all(watchers))) - t0)
    await Promise.all(nodes.map((n) => exec('docker', ['exec', n, 'iptables', '-w', '-t', 'nat', '-X', chain])))
  }
  return {change, floor}
}

/** The Node.js source sending `n` A queries for `name` to server:53 one after another; prints latencies. */
function dnsScript(server: string, name: string, n: number): string {
  return `
const dgram = require('dgram'); const s = dgram.createSocket('udp4'); const lat = []; let id = 1;
const q = (id) => { const labels = ${JSON.stringify(name)}.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
  return Buffer.concat([Buffer.from([id >> 8, id & 255, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]), ...labels, Buffer.from([0, 0, 1, 0, 1])]) };
let t, timer;
const next = () => { if (id > ${n}) { s.close(); lat.sort((a, b) => a - b); console.log(JSON.stringify(lat)); return }
  t = process.hrtime.bigint(); s.send(q(id), 53, ${JSON.stringify(server)}); timer = setTimeout(() => { lat.push(1000); id++; next() }, 1000) };
s.on('message', (m) => { if (m.readUInt16BE(0) !== id) return; clearTimeout(timer); lat.push(Number(process.hrtime.bigint() - t) / 1e6); id++; next() });
next();`
}

async function hostLoad(port: number): Promise<{rps: number; errors: number}> {
  const {stdout} = await exec(process.execPath, ['-e', httpLoadScript('127.0.0.1', port, seconds * 1000, 4)], {timeout: seconds * 1000 + 60_000})
  return JSON.parse(stdout.trim())
}

async function main(): Promise<void> {
  const name = `bench-net-${process.pid % 10000}`
  const dir = await mkdtemp(join(tmpdir(), 'skiff-bench-net-'))
  const kubeconfig = join(dir, 'config')
  let floorContainer: string | undefined
  try {
    await exec(join(import.meta.dirname, '..', 'scripts/build-busybox-image.sh'), [IMAGE])
    await skiff(['cluster', 'create', name, '--kubeconfig', kubeconfig, '--no-switch-context'])
    await skiff(['image', 'load', IMAGE, '--name', name])
    const k = kubectl(kubeconfig)
    const nodes: string[] = (await k.json(['get', 'nodes'])).items.map((n: {metadata: {name: string}}) => n.metadata.name)
    const worker = nodes.filter((n) => n.includes('worker')).pop() ?? nodes[0]
    const lbPort = await freePort()
    await k.run(['apply', '-f', '-'], manifests(worker, lbPort))
    await k.run(['wait', '--for=condition=Ready', 'pod/bn-web', 'pod/bn-direct', 'pod/bn-flip', 'pod/bn-client', '--timeout=120s'])
    const pod = async (n: string) => k.json(['get', 'pod', n])
    const [directPod, flip, client] = [await pod('bn-direct'), await pod('bn-flip'), await pod('bn-client')]
    const clusterIP = (await k.json(['get', 'svc', 'bn-web'])).spec.clusterIP
    const pid = await podPid(client.spec.nodeName, client.status.containerStatuses[0].containerID)
    const inClient = <T>(script: string) => inPodNetwork<T>(client.spec.nodeName, pid, script)
    console.log(`cluster ${name}: ${nodes.length} nodes; server pod on ${worker}, client pod on ${client.spec.nodeName}`)

    const rules = await ruleLatency(k, nodes, flip.status.podIP)
    console.log(`endpoint change -> rule on every node   ${fmt(rules.change)}   (goal p99 <= 1000 ms)`)
    console.log(`  floor: a chain written by docker exec, seen the same way   ${fmt(rules.floor)}`)

    const nodeIP = (await k.json(['get', 'node', client.spec.nodeName])).status.addresses.find((a: {type: string}) => a.type === 'InternalIP').address
    const svcName = 'bn-web.default.svc.cluster.local'
    await inClient(dnsScript('10.96.0.10', svcName, 50))
    const viaService = await inClient<number[]>(dnsScript('10.96.0.10', svcName, 1000))
    const direct = await inClient<number[]>(dnsScript(nodeIP, svcName, 1000))
    console.log(`DNS A query in a pod, via kube-dns 10.96.0.10   ${fmt(viaService)}   (goal p99 <= 10 ms)`)
    console.log(`  floor: the same server on the node address, no service hop   ${fmt(direct)}`)

    const load = (host: string, port: number) => inClient<{rps: number; errors: number; p50: number}>(httpLoadScript(host, port, seconds * 1000, 4))
    const viaIP: number[] = []
    const viaCluster: number[] = []
    // Alternating order over several rounds: on a 2-core machine one short run is noise, not a figure.
    for (let i = 0; i < rounds; i++) {
      const pair = [() => load(directPod.status.podIP, 8080).then((r) => viaIP.push(r.rps)), () => load(clusterIP, 80).then((r) => viaCluster.push(r.rps))]
      for (const f of i % 2 ? pair.reverse() : pair) await f()
    }
    console.log(`HTTP requests/s from a pod on another node: ClusterIP ${round(median(viaCluster))}, pod IP ${round(median(viaIP))}: ratio ${round(median(viaCluster) / median(viaIP), 2)}   (goal >= 0.9)`)

    await new Promise((r) => setTimeout(r, 500))
    const lbStatus = (await k.json(['get', 'svc', 'bn-lb'])).status.loadBalancer.ingress[0].ports[0].port
    const floorPort = await freePort()
    floorContainer = `bench-net-floor-${process.pid}`
    await exec('docker', ['run', '-d', '--name', floorContainer, '-p', `127.0.0.1:${floorPort}:8080`, IMAGE, 'sh', '-c', serve])
    await new Promise((r) => setTimeout(r, 500))
    const viaLB: number[] = []
    const viaDocker: number[] = []
    for (let i = 0; i < rounds; i++) {
      const pair = [() => hostLoad(lbStatus).then((r) => viaLB.push(r.rps)), () => hostLoad(floorPort).then((r) => viaDocker.push(r.rps))]
      for (const f of i % 2 ? pair.reverse() : pair) await f()
    }
    console.log(`HTTP requests/s from the host: LoadBalancer 127.0.0.1:${lbStatus} ${round(median(viaLB))}, docker run -p ${round(median(viaDocker))}: ratio ${round(median(viaLB) / median(viaDocker), 2)}   (goal >= 0.8)`)
  } finally {
    if (floorContainer) await exec('docker', ['rm', '-f', floorContainer]).catch(() => undefined)
    await skiff(['cluster', 'delete', name, '--kubeconfig', kubeconfig]).catch(() => undefined)
    await rm(dir, {recursive: true, force: true})
  }
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
