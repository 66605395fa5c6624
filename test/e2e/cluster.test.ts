// End to end: a real 3-node cluster in Docker, made from templates/cluster.yaml, driven by the built CLI and the real kubectl.
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {mkdtemp, readFile, rm, stat} from 'node:fs/promises'
import * as https from 'node:https'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import yaml from 'js-yaml'
import {deleteClusterHard, kubectlFor, repo, skiff} from '../helpers/cli.js'
import {waitFor} from '../helpers/wait.js'

const name = `e2e${process.pid % 100000}`

function docker(args: string[]): string {
  return execFileSync('docker', args, {encoding: 'utf8'})
}

describe('skiff cluster (end to end)', function () {
  this.timeout(900_000)
  let dir: string
  let kubeconfig: string
  let kubectl: ReturnType<typeof kubectlFor>
  let created: any

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skiff-e2e-'))
    kubeconfig = join(dir, 'config')
    kubectl = kubectlFor(kubeconfig, join(dir, 'cache'))
    // The documented example config (a worker labelled tier=web); the name argument overrides the file's.
    const res = await skiff(['cluster', 'create', name, '--config', join(repo, 'templates/cluster.yaml'), '--kubeconfig', kubeconfig, '--json'], {timeoutMs: 880_000})
    assert.equal(res.code, 0, `cluster create failed:\n${res.stdout}\n${res.stderr}`)
    created = JSON.parse(res.stdout)
  })

  after(async () => {
    // Always clean up, also when a test failed: containers, network, volumes, kubeconfig.
    await deleteClusterHard(name, kubeconfig)
    if (dir) await rm(dir, {recursive: true, force: true})
  })

  it('reports the cluster it made and merges a 0600 kubeconfig context', async () => {
    assert.equal(created.name, name)
    assert.equal(created.nodes.length, 3)
    assert.match(created.apiServer, /^https:\/\/127\.0\.0\.1:\d+$/)
    const kc: any = yaml.load(await readFile(kubeconfig, 'utf8'))
    assert.equal(kc['current-context'], `skiff-${name}`)
    assert.equal((await stat(kubeconfig)).mode & 0o777, 0o600)
  })

  it('kubectl get nodes lists 3 Ready nodes with ROLES, AGE and VERSION, and -o wide shows internal IPs', async () => {
    const res = await kubectl.run(['get', 'nodes'])
    assert.equal(res.code, 0, res.stderr)
    const lines = res.stdout.trim().split('\n')
    assert.match(lines[0], /^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION/)
    assert.equal(lines.length, 4, res.stdout)
    for (const l of lines.slice(1)) assert.match(l, /\sReady\s/)
    assert.match(res.stdout, new RegExp(`${name}-control-plane\\s+Ready\\s+control-plane`))
    const wide = await kubectl.run(['get', 'nodes', '-o', 'wide'])
    assert.match(wide.stdout.split('\n')[0], /INTERNAL-IP/)
    for (const n of created.nodes) assert.match(wide.stdout, new RegExp(`${n.name}\\s.*\\s${n.ip.replace(/\./g, '\\.')}\\s`))
  })

  it('kubectl get nodes --show-labels shows the node label from the config file on that node only', async () => {
    const res = await kubectl.run(['get', 'nodes', '--show-labels', '--no-headers'])
    assert.equal(res.code, 0, res.stderr)
    const labelled = res.stdout.trim().split('\n').filter((l) => /(^|[\s,])tier=web(,|\s|$)/.test(l))
    assert.equal(labelled.length, 1, res.stdout)
    assert.match(labelled[0], new RegExp(`^${name}-worker\\s`))
    const selected = await kubectl.run(['get', 'nodes', '-l', 'tier=web', '-o', 'name'])
    assert.equal(selected.stdout.trim(), `node/${name}-worker`)
  })

  it('docker exec reaches a node by its API name', () => {
    assert.equal(docker(['exec', `${name}-worker`, 'hostname']).trim(), `${name}-worker`)
  })

  it('kubectl version, api-resources and get ns work', async () => {
    const v = await kubectl.run(['version', '-o', 'json'])
    assert.equal(v.code, 0, v.stderr)
    assert.equal(JSON.parse(v.stdout).serverVersion.minor, '32')
    const ar = await kubectl.run(['api-resources'])
    assert.equal(ar.code, 0, ar.stderr)
    assert.match(ar.stdout, /deployments\s+deploy\s+apps\/v1\s+true\s+Deployment/)
    const ns = await kubectl.run(['get', 'ns'])
    for (const n of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) assert.match(ns.stdout, new RegExp(`^${n}\\s+Active`, 'm'))
  })

  it('creates, reads, labels, annotates, patches, watches and deletes a configmap', async () => {
    assert.equal((await kubectl.run(['create', 'configmap', 'x', '--from-literal=a=b'])).code, 0)
    const got: any = yaml.load((await kubectl.run(['get', 'cm', 'x', '-o', 'yaml'])).stdout)
    assert.deepEqual(got.data, {a: 'b'})
    assert.equal((await kubectl.run(['label', 'cm', 'x', 'tier=web'])).code, 0)
    assert.equal((await kubectl.run(['annotate', 'cm', 'x', 'note=hi'])).code, 0)
    assert.equal((await kubectl.run(['patch', 'cm', 'x', '--type', 'merge', '-p', '{"data":{"m":"1"}}'])).code, 0)
    assert.equal((await kubectl.run(['patch', 'cm', 'x', '--type', 'json', '-p', '[{"op":"add","path":"/data/j","value":"2"}]'])).code, 0)
    assert.equal((await kubectl.run(['patch', 'cm', 'x', '--type', 'strategic', '-p', '{"data":{"s":"3"}}'])).code, 0)
    const after: any = JSON.parse((await kubectl.run(['get', 'cm', 'x', '-o', 'json'])).stdout)
    assert.deepEqual(after.data, {a: 'b', m: '1', j: '2', s: '3'})
    assert.equal(after.metadata.labels.tier, 'web')
    assert.equal(after.metadata.annotations.note, 'hi')

    // get -w sees an update made by another client.
    const watcher = kubectl.spawn(['get', 'cm', '-w'])
    let out = ''
    watcher.stdout!.on('data', (c) => (out += c))
    try {
      await waitFor('the watch to list x', async () => /^x\s/m.test(out), 15_000, 100)
      assert.equal((await kubectl.run(['label', 'cm', 'x', 'seen=yes'])).code, 0)
      await waitFor('the watch to show the update', async () => (out.match(/^x\s/gm) ?? []).length >= 2, 15_000, 100).catch(() => undefined)
      assert.ok((out.match(/^x\s/gm) ?? []).length >= 2, `watch did not show the update:\n${out}`)
    } finally {
      watcher.kill()
    }
    assert.equal((await kubectl.run(['delete', 'cm', 'x'])).code, 0)
    const gone = await kubectl.run(['get', 'cm', 'x'])
    assert.match(gone.stderr, /NotFound/)
  })

  it('apply creates a Deployment, applying a change updates it and bumps generation', async () => {
    const manifest = (replicas: number, image: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: ${image}
`
    const first = await kubectl.run(['apply', '-f', '-'], manifest(1, 'web:1'))
    assert.equal(first.code, 0, first.stderr)
    assert.match(first.stdout, /deployment.apps\/web created/)
    const second = await kubectl.run(['apply', '-f', '-'], manifest(3, 'web:2'))
    assert.equal(second.code, 0, second.stderr)
    assert.match(second.stdout, /configured/)
    const d = JSON.parse((await kubectl.run(['get', 'deploy', 'web', '-o', 'json'])).stdout)
    assert.equal(d.spec.replicas, 3)
    assert.equal(d.spec.template.spec.containers[0].image, 'web:2')
    assert.equal(d.metadata.generation, 2)
    assert.equal((await kubectl.run(['delete', 'deploy', 'web'])).code, 0)
  })

  it('answers 401 to a request without a client certificate', async () => {
    const port = Number(new URL(created.apiServer).port)
    const code = await new Promise<number>((resolve, reject) => {
      https.get({host: '127.0.0.1', port, path: '/api', rejectUnauthorized: false}, (res) => {
        res.resume()
        resolve(res.statusCode!)
      }).on('error', reject)
    })
    assert.equal(code, 401)
  })

  it('cluster list and cluster kubeconfig show the cluster', async () => {
    const list = JSON.parse((await skiff(['cluster', 'list', '-o', 'json'])).stdout)
    const me = list.find((c: any) => c.name === name)
    assert.equal(me.nodes, 3)
    assert.equal(me.state, 'Running')
    const kc = await skiff(['cluster', 'kubeconfig', name])
    assert.equal(kc.code, 0, kc.stderr)
    assert.match(kc.stdout, new RegExp(`server: ${created.apiServer}`))
  })

  it('refuses a name clash and makes nothing', async () => {
    const before = docker(['ps', '-aq', '--filter', `label=io.skiff.cluster=${name}`]).trim().split('\n').length
    const res = await skiff(['cluster', 'create', name, '--kubeconfig', kubeconfig])
    assert.notEqual(res.code, 0)
    assert.match(res.stderr, /already exists/)
    assert.doesNotMatch(res.stderr, /at .*\.js:\d+/, 'no stack trace for a user mistake')
    const after = docker(['ps', '-aq', '--filter', `label=io.skiff.cluster=${name}`]).trim().split('\n').length
    assert.equal(after, before)
  })

  it('delete removes containers, network, volumes and kubeconfig entries, and is idempotent', async () => {
    const res = await skiff(['cluster', 'delete', name, '--kubeconfig', kubeconfig])
    assert.equal(res.code, 0, res.stderr)
    assert.equal(docker(['ps', '-aq', '--filter', `label=io.skiff.cluster=${name}`]).trim(), '')
    assert.equal(docker(['network', 'ls', '-q', '--filter', `name=skiff-${name}`]).trim(), '')
    assert.equal(docker(['volume', 'ls', '-q', '--filter', `label=io.skiff.cluster=${name}`]).trim(), '')
    const kc: any = yaml.load(await readFile(kubeconfig, 'utf8'))
    assert.equal(kc.contexts.length, 0)
    const again = await skiff(['cluster', 'delete', name, '--kubeconfig', kubeconfig])
    assert.equal(again.code, 0)
    assert.match(again.stdout, /does not exist/)
  })
})

describe('skiff cluster create (bad input)', function () {
  this.timeout(60_000)

  it('rejects an invalid name with a clear message and no stack', async () => {
    const res = await skiff(['cluster', 'create', 'Bad_Name'])
    assert.equal(res.code, 2)
    assert.match(res.stderr, /invalid cluster name "Bad_Name"/)
    assert.doesNotMatch(res.stderr, /at .*\.js:\d+/)
  })

  it('says what to do when no Docker engine answers, and makes nothing', async () => {
    const res = await skiff(['cluster', 'create', 'nodocker'], {env: {DOCKER_HOST: 'unix:///nonexistent/docker.sock'}})
    assert.equal(res.code, 3)
    assert.match(res.stderr, /cannot reach the Docker engine/)
    assert.match(res.stderr, /install-docker\.sh/)
  })

  it('rejects an unknown flag', async () => {
    const res = await skiff(['cluster', 'create', '--nodes', '3'])
    assert.notEqual(res.code, 0)
    assert.match(res.stderr, /Nonexistent flag: --nodes/)
  })
})
