// Typed schemas with real kubectl: strict decoding, type errors, --validate modes, kubectl explain, Lists, apply co-ownership.
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {MemoryStore} from '../../../src/store/index.js'
import {startTestServer, writeKubeconfig, type TestServer} from '../../helpers/apiserver.js'

/** kubectl's output and exit code; never throws. */
function run(args: string[], input?: string): Promise<{code: number; stdout: string; stderr: string}> {
  return new Promise((resolve) => {
    const child = execFile('kubectl', args, (err, stdout, stderr) => resolve({code: err ? 1 : 0, stdout, stderr}))
    if (input !== undefined) child.stdin!.end(input)
  })
}

function deployment(name: string, spec: string, container = ''): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  selector: {matchLabels: {app: ${name}}}
${spec}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers:
      - {name: web, image: nginx${container}}
`
}

describe('typed schemas with kubectl (apiserver)', function () {
  this.timeout(60_000)
  let server: TestServer
  let dir: string
  const kubectl = (args: string[], input?: string) => run(['--kubeconfig', join(dir, 'config'), '--cache-dir', join(dir, 'cache'), ...args], input)

  before(async () => {
    server = await startTestServer(new MemoryStore())
    dir = await mkdtemp(join(tmpdir(), 'skiff-typed-'))
    await writeKubeconfig(join(dir, 'config'), server)
  })
  after(async () => {
    await server?.close()
    if (dir) await rm(dir, {recursive: true, force: true})
  })

  it('kubectl apply with unknown fields fails with the strict decoding message naming every one, and stores nothing', async () => {
    const r = await kubectl(['apply', '-f', '-'], deployment('typo', '  replica: 2', ', imagePullPolicyy: Always'))
    assert.equal(r.code, 1)
    assert.match(r.stderr, /Error from server \(BadRequest\): error when creating "STDIN": Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.replica", unknown field "spec.template.spec.containers\[0\].imagePullPolicyy"/)
    assert.equal((await kubectl(['get', 'deploy', 'typo'])).code, 1)
  })

  it('--validate=false stores the object without the unknown fields; --validate=warn warns', async () => {
    const off = await kubectl(['apply', '--validate=false', '-f', '-'], deployment('loose', '  replica: 2'))
    assert.equal(off.code, 0, off.stderr)
    assert.match(off.stdout, /deployment.apps\/loose created/)
    const stored = JSON.parse((await kubectl(['get', 'deploy', 'loose', '-o', 'json'])).stdout)
    assert.equal(stored.spec.replica, undefined)
    assert.equal(stored.spec.replicas, 1)
    const warn = await kubectl(['apply', '--validate=warn', '-f', '-'], deployment('warned', '  replica: 2'))
    assert.equal(warn.code, 0, warn.stderr)
    assert.match(warn.stderr, /Warning: unknown field "spec.replica"/)
  })

  it('a wrong type is a 400 with the Go decoder\'s wording, whatever --validate says', async () => {
    for (const validate of ['strict', 'false']) {
      const r = await kubectl(['apply', `--validate=${validate}`, '-f', '-'], deployment('words', '  replicas: "two"'))
      assert.equal(r.code, 1)
      assert.match(r.stderr, /cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32/)
    }
    const cm = await kubectl(['apply', '-f', '-'], 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: nested}\ndata: {a: {b: 1}}\n')
    assert.equal(cm.code, 1)
    assert.match(cm.stderr, /cannot unmarshal object into Go struct field ConfigMap.data of type string/)
  })

  it('a patch that introduces a wrong type is refused and leaves the object as it was', async () => {
    const r = await kubectl(['patch', 'deploy', 'loose', '--type=merge', '-p', '{"spec":{"replicas":2.5}}'])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /cannot unmarshal number 2.5 into Go struct field DeploymentSpec.spec.replicas of type int32/)
    assert.equal(JSON.parse((await kubectl(['get', 'deploy', 'loose', '-o', 'json'])).stdout).spec.replicas, 1)
  })

  it('kubectl explain prints the documentation of fields, nested ones too', async () => {
    const strategy = await kubectl(['explain', 'deployment.spec.strategy'])
    assert.equal(strategy.code, 0, strategy.stderr)
    assert.match(strategy.stdout, /GROUP:\s+apps/)
    assert.match(strategy.stdout, /The deployment strategy to use to replace existing pods with new ones/)
    assert.match(strategy.stdout, /rollingUpdate\s+<RollingUpdateDeployment>/)
    const ports = await kubectl(['explain', 'pods.spec.containers.ports.containerPort'])
    assert.equal(ports.code, 0, ports.stderr)
    assert.match(ports.stdout, /containerPort <integer>/)
    const recursive = await kubectl(['explain', 'service.spec', '--recursive'])
    assert.match(recursive.stdout, /sessionAffinityConfig\s+<SessionAffinityConfig>\n\s+clientIP\s+<ClientIPConfig>/)
  })

  it('kubectl apply of a JSON List (kubectl validates it against /openapi/v2) creates every item, and names an unknown field in one', async () => {
    const cm = (name: string, extra = {}) => ({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name}, data: {a: 'b'}, ...extra})
    const ok = await kubectl(['apply', '-f', '-'], JSON.stringify({apiVersion: 'v1', kind: 'List', items: [cm('l1'), cm('l2')]}))
    assert.equal(ok.code, 0, ok.stderr)
    assert.match(ok.stdout, /configmap\/l1 created\nconfigmap\/l2 created/)
    const bad = await kubectl(['apply', '-f', '-'], JSON.stringify({apiVersion: 'v1', kind: 'List', items: [cm('l3', {datum: {}})]}))
    assert.equal(bad.code, 1)
    assert.match(bad.stderr, /unknown field "datum" in io.k8s.api.core.v1.ConfigMap/)
    const ssa = await kubectl(['apply', '--server-side', '-f', '-'], JSON.stringify({apiVersion: 'v1', kind: 'List', items: [cm('l1'), cm('l4')]}))
    assert.equal(ssa.code, 0, ssa.stderr)
    assert.doesNotMatch(ssa.stderr, /failed to migrate/)
  })

  it('server-side apply: a second manager applying the same value co-owns it, so the documented hand-over of replicas keeps them', async () => {
    const manifest = (replicas: string) => deployment('handover', replicas)
    assert.equal((await kubectl(['apply', '--server-side', '-f', '-'], manifest('  replicas: 3'))).code, 0)
    const only = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: handover}\nspec: {replicas: 3}\n'
    const hand = await kubectl(['apply', '--server-side', '--field-manager=handover-to-hpa', '--validate=false', '-f', '-'], only)
    assert.equal(hand.code, 0, hand.stderr)
    const owners = async () => {
      const d = JSON.parse((await kubectl(['get', 'deploy', 'handover', '--show-managed-fields', '-o', 'json'])).stdout)
      return {replicas: d.spec.replicas, owners: d.metadata.managedFields.filter((e: {fieldsV1: {'f:spec'?: Record<string, unknown>}}) => e.fieldsV1['f:spec']?.['f:replicas']).map((e: {manager: string}) => e.manager).sort()}
    }
    assert.deepEqual(await owners(), {replicas: 3, owners: ['handover-to-hpa', 'kubectl']})
    // The user drops replicas from their manifest: the co-owner keeps the field and its value.
    assert.equal((await kubectl(['apply', '--server-side', '-f', '-'], manifest(''))).code, 0)
    assert.deepEqual(await owners(), {replicas: 3, owners: ['handover-to-hpa']})
    // Another writer changing replicas takes the field; the temporary manager, owning nothing, disappears.
    assert.equal((await kubectl(['scale', 'deploy', 'handover', '--replicas=5'])).code, 0)
    const after = JSON.parse((await kubectl(['get', 'deploy', 'handover', '--show-managed-fields', '-o', 'json'])).stdout)
    assert.equal(after.spec.replicas, 5)
    assert.ok(!after.metadata.managedFields.some((e: {manager: string}) => e.manager === 'handover-to-hpa'))
  })
})
