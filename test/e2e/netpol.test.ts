// End to end: NetworkPolicy enforcement on a real 1+2 node cluster driven by the real kubectl: default deny really denies (on one node and across nodes), allow rules let the named clients back in, egress deny blocks; every request is sent from inside a pod.
import assert from 'node:assert/strict'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {createSharedCluster, deleteClusterHard, kubectlFor, run} from '../helpers/cli.js'
import {waitFor} from '../helpers/wait.js'

const name = `np${process.pid % 100000}`
const IMAGE = 'skiff/busybox:test'
const NS = 'np'
/** How long a rule change may take to reach every node's iptables. */
const CONVERGE_MS = 20_000

describe('network policies (end to end)', function () {
  this.timeout(600_000)
  let dir: string
  let kubeconfig: string
  let k: ReturnType<typeof kubectlFor>
  let workers: string[]
  let webIP: string
  let svcIP: string

  const json = (args: string[]) => k.json(args)
  const apply = async (docs: object[]) => {
    const r = await k.run(['apply', '-f', '-'], docs.map((d) => `---\n${JSON.stringify(d)}`).join('\n'))
    assert.equal(r.code, 0, r.stderr)
  }
  const pod = (n: string, namespace: string, node: string, labels: Record<string, string>, command: string[], ports: object[] = []) => ({
    apiVersion: 'v1', kind: 'Pod', metadata: {name: n, namespace, labels},
    spec: {
      terminationGracePeriodSeconds: 0, nodeSelector: {'kubernetes.io/hostname': node},
      containers: [{name: 'c', image: IMAGE, imagePullPolicy: 'IfNotPresent', command, ports}],
    },
  })
  const sleeper = (n: string, namespace: string, node: string, labels: Record<string, string> = {}) => pod(n, namespace, node, labels, ['sleep', '3600'])
  const policy = (n: string, spec: object) => ({apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: {name: n, namespace: NS}, spec})
  /**
   * One HTTP GET from a pod with a 2 s timeout: true when the web pod answered. A dropped SYN makes nc give up after
   * the timeout, a rejected one at once; both are "blocked".
   */
  const reach = async (from: string, host = webIP, port = 8080, namespace = NS) => {
    const r = await k.run(['-n', namespace, 'exec', from, '--', 'sh', '-c', `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 ${host} ${port} | tail -1`])
    return r.stdout.trim() === 'web'
  }
  const blocked = async (from: string, host?: string, port?: number, namespace?: string) => !(await reach(from, host, port, namespace))

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skiff-np-'))
    kubeconfig = join(dir, 'config')
    k = kubectlFor(kubeconfig, join(dir, 'cache'))
    await createSharedCluster(name, kubeconfig, IMAGE)
    workers = ((await json(['get', 'nodes'])).items as {metadata: {name: string}}[]).map((n) => n.metadata.name).filter((n) => !n.endsWith('-control-plane')).sort()
    assert.equal(workers.length, 2, `two workers: ${workers}`)
    const [near, far] = workers
    // web and near-client share a node (bridged traffic, filtered through br_netfilter); far-client and stranger
    // reach it across nodes (routed traffic).
    await apply([
      {apiVersion: 'v1', kind: 'Namespace', metadata: {name: NS}},
      {apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'np-ops', labels: {team: 'ops'}}},
      pod('web', NS, near, {app: 'web'}, ['sh', '-c', 'mkdir -p /www; echo web > /www/index.html; exec httpd -f -p 8080 -h /www'], [{name: 'http', containerPort: 8080}]),
      {apiVersion: 'v1', kind: 'Service', metadata: {name: 'web', namespace: NS}, spec: {selector: {app: 'web'}, ports: [{port: 80, targetPort: 'http'}]}},
      sleeper('near-client', NS, near, {role: 'client'}),
      sleeper('far-client', NS, far, {role: 'client'}),
      sleeper('stranger', NS, far),
      sleeper('monitor', 'np-ops', far, {role: 'monitor'}),
    ])
    for (const [namespace, pods] of [[NS, ['web', 'near-client', 'far-client', 'stranger']], ['np-ops', ['monitor']]] as const) {
      const r = await k.run(['-n', namespace, 'wait', '--for=condition=Ready', ...pods.map((p) => `pod/${p}`), '--timeout=120s'])
      assert.equal(r.code, 0, r.stderr)
    }
    webIP = (await json(['-n', NS, 'get', 'pod', 'web'])).status.podIP
    svcIP = (await json(['-n', NS, 'get', 'svc', 'web'])).spec.clusterIP
  })

  // What the nodes did, when a test fails: the enforcer's chains, br_netfilter's switch and the enforcer's log lines.
  afterEach(async function () {
    if (this.currentTest?.state !== 'failed' || !workers) return
    for (const node of workers) {
      const rules = await run('docker', ['exec', node, 'sh', '-c', 'iptables-save -t filter | grep -E "SKIFF-NP|^-A FORWARD"; cat /proc/sys/net/bridge/bridge-nf-call-iptables'])
      const logs = await run('docker', ['logs', '--tail', '2000', node])
      const netpol = `${logs.stdout}${logs.stderr}`.split('\n').filter((l) => l.includes('netpol')).slice(-20)
      console.log(`--- ${node}\n${rules.stdout}${rules.stderr}\n${netpol.join('\n')}`)
    }
  })

  after(async () => {
    await deleteClusterHard(name, kubeconfig)
    if (dir) await rm(dir, {recursive: true, force: true})
  })

  it('without policies every client reaches the web pod, by pod IP and through its Service', async () => {
    for (const from of ['near-client', 'far-client', 'stranger']) assert.ok(await reach(from), `${from} -> web`)
    assert.ok(await reach('far-client', svcIP, 80), 'far-client -> service web')
    assert.ok(await reach('monitor', webIP, 8080, 'np-ops'), 'monitor -> web')
  })

  it('a default-deny ingress policy blocks every client, on the same node and across nodes', async () => {
    await apply([policy('deny-ingress', {podSelector: {}, policyTypes: ['Ingress']})])
    const t0 = Date.now()
    await waitFor('the default deny to block near-client', () => blocked('near-client'), CONVERGE_MS)
    await waitFor('the default deny to block far-client', () => blocked('far-client'), CONVERGE_MS)
    console.log(`      policy applied -> both clients blocked: ${Date.now() - t0} ms`)
    assert.ok(await blocked('stranger'), 'stranger is blocked')
    assert.ok(await blocked('far-client', svcIP, 80), 'the Service address is no way around it')
    assert.ok(await blocked('monitor', webIP, 8080, 'np-ops'), 'nor is another namespace')
  })

  it('a policy allowing the client label lets those clients in again (named port, also through the Service); a pod without it stays blocked', async () => {
    await apply([policy('allow-clients', {podSelector: {matchLabels: {app: 'web'}}, ingress: [{from: [{podSelector: {matchLabels: {role: 'client'}}}], ports: [{port: 'http'}]}]})])
    await waitFor('the allow policy to let near-client in', () => reach('near-client'), CONVERGE_MS)
    await waitFor('the allow policy to let far-client in', () => reach('far-client'), CONVERGE_MS)
    assert.ok(await reach('far-client', svcIP, 80), 'far-client -> service web')
    assert.ok(await blocked('stranger'), 'a pod without the label stays blocked')
    assert.ok(await blocked('monitor', webIP, 8080, 'np-ops'), 'a pod of another namespace with no rule for it stays blocked')
  })

  it('a namespaceSelector peer lets the pods of a labelled namespace in', async () => {
    await apply([policy('allow-ops', {podSelector: {matchLabels: {app: 'web'}}, ingress: [{from: [{namespaceSelector: {matchLabels: {team: 'ops'}}}]}]})])
    await waitFor('the namespace rule to let monitor in', () => reach('monitor', webIP, 8080, 'np-ops'), CONVERGE_MS)
    assert.ok(await blocked('stranger'), 'the namespace rule admits no pod of the policy namespace')
  })

  it('an egress default-deny blocks the clients; an egress rule to the web pod lets them out again', async () => {
    await apply([policy('deny-client-egress', {podSelector: {matchLabels: {role: 'client'}}, policyTypes: ['Egress']})])
    await waitFor('the egress deny to block near-client', () => blocked('near-client'), CONVERGE_MS)
    await waitFor('the egress deny to block far-client', () => blocked('far-client'), CONVERGE_MS)
    await apply([policy('client-egress-web', {podSelector: {matchLabels: {role: 'client'}}, policyTypes: ['Egress'], egress: [{to: [{podSelector: {matchLabels: {app: 'web'}}}], ports: [{port: 8080}]}]})])
    await waitFor('the egress rule to let far-client out', () => reach('far-client'), CONVERGE_MS)
    assert.ok(await reach('far-client', svcIP, 80), 'the Service address is translated before the egress rule looks at it')
    assert.ok(await reach('near-client'), 'near-client -> web')
  })

  it('kubectl get netpol prints NAME, POD-SELECTOR, AGE; deleting the policies opens the namespace again', async () => {
    const table = (await k.run(['-n', NS, 'get', 'netpol'])).stdout.trim().split('\n').map((l) => l.split(/\s+/).slice(0, 2).join(' '))
    assert.equal(table[0], 'NAME POD-SELECTOR')
    assert.deepEqual(table.slice(1).sort(), ['allow-clients app=web', 'allow-ops app=web', 'client-egress-web role=client', 'deny-client-egress role=client', 'deny-ingress <none>'])
    assert.match((await k.run(['-n', NS, 'get', 'netpol', 'deny-ingress'])).stdout.split('\n')[0], /^NAME\s+POD-SELECTOR\s+AGE$/)
    assert.equal((await k.run(['-n', NS, 'delete', 'netpol', '--all'])).code, 0)
    await waitFor('stranger to reach web again', () => reach('stranger'), CONVERGE_MS)
    assert.ok(await reach('near-client'), 'near-client -> web')
  })
})
