// End to end: the pod network, Services through the node proxies, cluster DNS and NodePorts on a real 1+2 node cluster, driven by the real kubectl; every request to a cluster address is sent from inside a pod.
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import * as http from 'node:http'
import * as https from 'node:https'
import * as net from 'node:net'
import * as tls from 'node:tls'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {createSharedCluster, deleteClusterHard, kubectlFor, run, skiff, startPortForward} from '../helpers/cli.js'
import {createTestCa} from '../helpers/pki.js'
import {waitFor} from '../helpers/wait.js'

const name = `net${process.pid % 100000}`
const IMAGE = 'skiff/busybox:test'

const manifests = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      topologySpreadConstraints: [{maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: ScheduleAnyway, labelSelector: {matchLabels: {app: web}}}]
      containers:
      - name: web
        image: ${IMAGE}
        imagePullPolicy: IfNotPresent
        # Serves its own name; readiness follows /tmp/ready so a test can take one replica out of rotation.
        command: ["sh", "-c", "mkdir -p /www; hostname > /www/index.html; touch /tmp/ready; exec httpd -f -p 8080 -h /www"]
        ports: [{name: http, containerPort: 8080}]
        readinessProbe: {exec: {command: ["test", "-f", "/tmp/ready"]}, periodSeconds: 1, failureThreshold: 1}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: v1
kind: Service
metadata: {name: web-headless}
spec:
  clusterIP: None
  selector: {app: web}
  ports: [{name: http, port: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: web-np}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  terminationGracePeriodSeconds: 0
  containers: [{name: c, image: ${IMAGE}, imagePullPolicy: IfNotPresent, command: ["sleep", "3600"]}]
`

/** A TLS ClientHello as Node sends it, recorded from a local socket: replayed from a pod, it shows a TLS server answers. */
async function clientHello(): Promise<Buffer> {
  const server = net.createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  const port = (server.address() as net.AddressInfo).port
  const first = new Promise<Buffer>((resolve) => server.once('connection', (s) => s.once('data', (d: Buffer) => {
    resolve(d)
    s.destroy()
  })))
  const c = tls.connect({port, host: '127.0.0.1', servername: 'kubernetes.default.svc', rejectUnauthorized: false})
  c.on('error', () => {})
  const hello = await first
  c.destroy()
  server.close()
  return hello
}

describe('networking (end to end)', function () {
  this.timeout(600_000)
  let dir: string
  let kubeconfig: string
  let k: ReturnType<typeof kubectlFor>
  const json = (args: string[]) => k.json(args)
  /** Runs a shell command in a pod; resolves stdout (and stderr) whatever the exit code. */
  const sh = async (pod: string, script: string) => {
    const r = await k.run(['exec', pod, '--', 'sh', '-c', script])
    return r.stdout + r.stderr
  }
  /** One HTTP GET from a pod; resolves the body's first line (the serving pod's name) or the error. */
  const get = (pod: string, host: string, port = 80) => sh(pod, `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${host} ${port} | tail -1`).then((s) => s.trim())

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skiff-net-'))
    kubeconfig = join(dir, 'config')
    k = kubectlFor(kubeconfig, join(dir, 'cache'))
    await createSharedCluster(name, kubeconfig, IMAGE)
    assert.equal((await k.run(['apply', '-f', '-'], manifests)).code, 0)
    assert.equal((await k.run(['rollout', 'status', 'deploy/web', '--timeout=120s'])).code, 0)
    assert.equal((await k.run(['wait', '--for=condition=Ready', 'pod/client', '--timeout=120s'])).code, 0)
  })

  after(async () => {
    await deleteClusterHard(name, kubeconfig)
    if (dir) await rm(dir, {recursive: true, force: true})
  })

  const webPods = async () => ((await json(['get', 'pods', '-l', 'app=web'])).items as any[]).filter((p) => !p.metadata.deletionTimestamp)

  it('a pod on one worker reaches a pod on the other by pod IP', async () => {
    const pods = await webPods()
    const nodes = new Set(pods.map((p) => p.spec.nodeName))
    assert.equal(nodes.size, 2, 'the replicas are spread over both workers')
    const [a] = pods
    const b = pods.find((p) => p.spec.nodeName !== a.spec.nodeName)!
    assert.equal(await get(a.metadata.name, b.status.podIP, 8080), b.metadata.name)
  })

  it('a Service spreads 300 requests over all 3 replicas, and a pod reaches itself through it', async () => {
    const svcIP = (await json(['get', 'svc', 'web'])).spec.clusterIP
    const out = await sh('client', `for i in $(seq 300); do printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${svcIP} 80 | tail -1; done`)
    const counts = new Map<string, number>()
    for (const l of out.split('\n').map((s) => s.trim()).filter(Boolean)) counts.set(l, (counts.get(l) ?? 0) + 1)
    const pods = (await webPods()).map((p) => p.metadata.name).sort()
    assert.deepEqual([...counts.keys()].sort(), pods, `answers: ${JSON.stringify([...counts])}`)
    assert.equal([...counts.values()].reduce((a, b) => a + b, 0), 300)
    for (const [pod, n] of counts) assert.ok(n <= 150, `${pod} got ${n} of 300`)
    const self = pods[0]
    const answers = new Set((await sh(self, `for i in $(seq 20); do printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 web 80 | tail -1; done`)).split('\n').map((s) => s.trim()).filter(Boolean))
    assert.ok(answers.has(self), `${self} never reached itself through its service: ${[...answers]}`)
  })

  it('a replica whose readiness fails leaves the rotation within about a second, and comes back', async () => {
    const [victim] = await webPods()
    const pod = victim.metadata.name
    const batch = () => sh('client', `for i in $(seq 30); do printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 web 80 | tail -1; done`)
    await sh(pod, 'rm /tmp/ready')
    const t0 = Date.now()
    // The probe runs every second and fails at once; the endpoints and every node's rules follow.
    await waitFor('the replica out of the rotation', async () => !(await batch()).includes(pod), 15_000, 50)
    const outAfter = Date.now() - t0
    console.log(`      readiness off -> out of the rotation: ${outAfter} ms (a 1 s probe period included)`)
    assert.ok(outAfter < 5000, `took ${outAfter} ms`)
    await sh(pod, 'touch /tmp/ready')
    await waitFor('the replica back in the rotation', async () => (await batch()).includes(pod), 30_000, 50)
  })

  it('cluster DNS: short and full service names, headless pods, an external name, kubernetes.default.svc over HTTPS', async () => {
    const svcIP = (await json(['get', 'svc', 'web'])).spec.clusterIP
    // ping resolves through the pod's resolv.conf (search path, ndots) and prints the address it resolved.
    for (const n of ['web', 'web.default', 'web.default.svc', 'web.default.svc.cluster.local']) {
      assert.match(await sh('client', `ping -c 1 -W 1 ${n} | head -1`), new RegExp(`\\(${svcIP.replace(/\./g, '\\.')}\\)`), n)
    }
    const podIPs = (await webPods()).map((p) => p.status.podIP).sort()
    const headless = await sh('client', 'nslookup web-headless.default.svc.cluster.local')
    assert.deepEqual([...headless.matchAll(/Address: (10\.244\.\d+\.\d+)/g)].map((m) => m[1]).sort(), podIPs)
    assert.match(await sh('client', 'nslookup deb.debian.org'), /Name:\s+deb\.debian\.org\s+Address: \d+\.\d+\.\d+\.\d+/)
    // A TLS ClientHello replayed from the pod gets a handshake record back: the API answers TLS at kubernetes.default.svc.
    const hello = await clientHello()
    const answer = await new Promise<Buffer>((resolve) => {
      const p = spawn('kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), 'exec', '-i', 'client', '--', 'nc', '-w', '3', 'kubernetes.default.svc', '443'])
      const chunks: Buffer[] = []
      p.stdout.on('data', (d: Buffer) => chunks.push(d))
      p.on('close', () => resolve(Buffer.concat(chunks)))
      p.stdin.end(hello)
    })
    assert.ok(answer.length > 5 && answer[0] === 0x16 && answer[1] === 0x03, `no TLS handshake from kubernetes.default.svc:443 (${answer.subarray(0, 16).toString('hex')})`)
  })

  it('kubectl port-forward svc/web serves 20 parallel requests from the host', async () => {
    const pf = await startPortForward(['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), 'port-forward', 'svc/web', ':80'])
    const local = pf.port
    try {
      const pods = (await webPods()).map((p) => p.metadata.name)
      const answers = await Promise.all(Array.from({length: 20}, async () => (await (await fetch(`http://127.0.0.1:${local}/`)).text()).trim()))
      for (const a of answers) assert.ok(pods.includes(a), `unexpected answer ${JSON.stringify(a)}`)
    } finally {
      pf.stop()
    }
  })

  it('a NodePort service answers on every node address, also from a pod on another node', async () => {
    const nodePort = (await json(['get', 'svc', 'web-np'])).spec.ports[0].nodePort
    const nodes = (await json(['get', 'nodes'])).items.map((n: any) => n.status.addresses.find((a: any) => a.type === 'InternalIP').address)
    const pods = (await webPods()).map((p) => p.metadata.name)
    for (const ip of nodes) assert.ok(pods.includes(await get('client', ip, nodePort)), `node ${ip}:${nodePort}`)
  })

  /**
   * One HTTP GET from the host to 127.0.0.1:port on a new connection (a kept-alive one would outlive the load
   * balancer container, which a port change recreates); resolves the body, or the connection error's code.
   */
  const hostGet = (port: number) =>
    new Promise<string>((resolve) => {
      const req = http.get({host: '127.0.0.1', port, path: '/', agent: false, timeout: 3000}, (res) => {
        let body = ''
        res.on('data', (d) => (body += d))
        res.on('end', () => resolve(body.trim()))
      })
      req.on('error', (err: NodeJS.ErrnoException) => resolve(String(err.code ?? err)))
      req.on('timeout', () => req.destroy())
    })
  const freeHostPort = () =>
    new Promise<number>((resolve) => {
      const srv = net.createServer().listen(0, '127.0.0.1', () => {
        const {port} = srv.address() as net.AddressInfo
        srv.close(() => resolve(port))
      })
    })
  const lbPorts = async (svc: string) => ((await json(['get', 'svc', svc])).status?.loadBalancer?.ingress?.[0]?.ports ?? []).map((p: any) => p.port as number)

  it('a LoadBalancer service answers from the host at the address in its status; a clash gets another port; after delete nothing listens', async () => {
    const port = await freeHostPort()
    const lb = (n: string) => ({apiVersion: 'v1', kind: 'Service', metadata: {name: n}, spec: {type: 'LoadBalancer', selector: {app: 'web'}, ports: [{name: 'http', port, targetPort: 'http'}]}})
    assert.equal((await k.run(['apply', '-f', '-'], JSON.stringify(lb('web-lb')))).code, 0)
    await waitFor('web-lb status.loadBalancer', async () => (await lbPorts('web-lb'))[0] === port, 30_000)
    const svc = await json(['get', 'svc', 'web-lb'])
    assert.equal(svc.status.loadBalancer.ingress[0].ip, '127.0.0.1')
    const pods = (await webPods()).map((p) => p.metadata.name)
    // The nodes' proxies program a new service's node port within a few hundred ms, maybe after the status appears.
    await waitFor('the first answer through the load balancer', async () => pods.includes(await hostGet(port)), 5_000)
    const seen = new Set<string>()
    for (let i = 0; i < 30; i++) seen.add(await hostGet(port))
    for (const s of seen) assert.ok(pods.includes(s), `answer ${s} is not a web pod (${pods})`)
    assert.ok(seen.size >= 2, `30 requests reached ${[...seen]}`)
    // The same port for a second service: taken, so it gets another one, and says so in its status.
    assert.equal((await k.run(['apply', '-f', '-'], JSON.stringify(lb('web-lb2')))).code, 0)
    await waitFor('web-lb2 status.loadBalancer', async () => (await lbPorts('web-lb2')).length === 1, 30_000)
    const other = (await lbPorts('web-lb2'))[0]
    assert.notEqual(other, port)
    await waitFor('the second service answering on its own port', async () => pods.includes(await hostGet(other)), 5_000)
    assert.ok(pods.includes(await hostGet(port)), 'the first service still answers after the second was added')
    assert.equal((await k.run(['delete', 'svc', 'web-lb', 'web-lb2'])).code, 0)
    // The load-balancer container goes with the last LoadBalancer service. Both ports can refuse for a moment
    // before that (the first delete recreates the container with the second port only), so the container is
    // waited for first and the ports are checked after it.
    const lbContainer = async () => (await run('docker', ['ps', '-a', '-q', '--filter', `name=^/${name}-lb$`])).stdout.trim()
    await waitFor('no load-balancer container left', async () => (await lbContainer()) === '', 15_000)
    assert.equal(await hostGet(port), 'ECONNREFUSED', 'nothing listens on the first port after delete')
    assert.equal(await hostGet(other), 'ECONNREFUSED', 'nothing listens on the second port after delete')
  })

  it('Ingress: two hosts routed to two services from the host on the ingress port, an unknown path gets 404, the status names the address', async () => {
    const clusters = JSON.parse((await skiff(['cluster', 'list', '-o', 'json'])).stdout) as {name: string; ingress?: {http: string; https: string}}[]
    const ingressURL = clusters.find((c) => c.name === name)?.ingress?.http
    assert.ok(ingressURL, 'cluster list shows the ingress address')
    const other = `apiVersion: apps/v1
kind: Deployment
metadata: {name: other}
spec:
  replicas: 1
  selector: {matchLabels: {app: other}}
  template:
    metadata: {labels: {app: other}}
    spec:
      containers:
      - name: web
        image: ${IMAGE}
        imagePullPolicy: IfNotPresent
        command: ["sh", "-c", "mkdir -p /www/api; echo other > /www/index.html; echo other-api > /www/api/index.html; exec httpd -f -p 8080 -h /www"]
        ports: [{name: http, containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: other}
spec: {selector: {app: other}, ports: [{port: 8000, targetPort: http}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: two-hosts}
spec:
  rules:
  - host: web.example.test
    http:
      paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {name: http}}}}]
  - host: other.example.test
    http:
      paths:
      - {path: /api, pathType: Prefix, backend: {service: {name: other, port: {number: 8000}}}}
      - {path: /, pathType: Exact, backend: {service: {name: other, port: {number: 8000}}}}
`
    assert.equal((await k.run(['apply', '-f', '-'], other)).code, 0)
    assert.equal((await k.run(['rollout', 'status', 'deploy/other', '--timeout=120s'])).code, 0)
    const url = new URL(ingressURL)
    // node:http, not fetch: fetch does not send a Host header it is given.
    const get = (host: string, path = '/') =>
      new Promise<string>((resolve) => {
        const req = http.get({host: url.hostname, port: url.port, path, headers: {host}, timeout: 3000}, (res) => {
          let body = ''
          res.on('data', (d) => (body += d))
          res.on('end', () => resolve(`${res.statusCode} ${body.trim().split('\n')[0]}`))
        })
        req.on('error', (err: NodeJS.ErrnoException) => resolve(String(err.code ?? err)))
        req.on('timeout', () => req.destroy())
      })
    const pods = (await webPods()).map((p) => p.metadata.name)
    await waitFor('the ingress routes web.example.test', async () => pods.includes((await get('web.example.test')).replace(/^200 /, '')), 30_000)
    assert.equal(await get('other.example.test'), '200 other')
    assert.equal(await get('other.example.test', '/api/'), '200 other-api')
    assert.match(await get('other.example.test', '/nothing-here'), /^404 /)
    assert.match(await get('unknown.example.test'), /^404 /)
    await waitFor('the Ingress status', async () => (await json(['get', 'ingress', 'two-hosts'])).status?.loadBalancer?.ingress?.[0]?.ip === '127.0.0.1', 15_000)
    // TLS from a Secret, chosen by SNI: the certificate is the one in the Secret (verified against its CA).
    const ca = await createTestCa()
    const leaf = await ca.sign('CN=localhost', {server: true})
    await writeFile(join(dir, 'tls.crt'), leaf.cert)
    await writeFile(join(dir, 'tls.key'), leaf.key)
    assert.equal((await k.run(['create', 'secret', 'tls', 'web-tls', '--cert', join(dir, 'tls.crt'), '--key', join(dir, 'tls.key')])).code, 0)
    const tlsIngress = {apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: {name: 'tls'}, spec: {tls: [{hosts: ['localhost'], secretName: 'web-tls'}], rules: [{host: 'localhost', http: {paths: [{path: '/', pathType: 'Prefix', backend: {service: {name: 'web', port: {number: 80}}}}]}}]}}
    assert.equal((await k.run(['apply', '-f', '-'], JSON.stringify(tlsIngress))).code, 0)
    const httpsURL = new URL(clusters.find((c) => c.name === name)!.ingress!.https)
    const secureGet = () =>
      new Promise<string>((resolve) => {
        const req = https.get({host: httpsURL.hostname, port: httpsURL.port, path: '/', servername: 'localhost', ca: ca.cert, headers: {host: 'localhost'}, timeout: 3000}, (res) => {
          let body = ''
          res.on('data', (d) => (body += d))
          res.on('end', () => resolve(body.trim()))
        })
        req.on('error', (err: NodeJS.ErrnoException) => resolve(String(err.code ?? err)))
        req.on('timeout', () => req.destroy())
      })
    await waitFor('HTTPS through the Ingress with the Secret\'s certificate', async () => pods.includes(await secureGet()), 20_000)
    const classes = await json(['get', 'ingressclass'])
    assert.ok(classes.items.some((c: any) => c.metadata.annotations?.['ingressclass.kubernetes.io/is-default-class'] === 'true'), 'a default IngressClass exists')
  })
})
