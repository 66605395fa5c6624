// Acceptance: real kubectl v1.32 → apiserver → agent streaming server → fake runtime (CRI log files, scripted processes), for logs (-f, --tail, -c), exec (stdin, exit codes), attach.
import assert from 'node:assert/strict'
import {execFile, spawn} from 'node:child_process'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import * as net from 'node:net'
import {join} from 'node:path'
import {promisify} from 'node:util'
import https from 'node:https'
import {WebSocket} from 'ws'
import {startAgentServer, type RunningAgentServer} from '../../../src/agent/server/index.js'
import {startApiServer, type RunningApiServer} from '../../../src/apiserver/index.js'
import {MemoryStore} from '../../../src/store/index.js'
import {createTestCa} from '../../helpers/pki.js'
import {waitFor} from '../../helpers/wait.js'
import {startPortForward} from '../../helpers/cli.js'
import {ensurePythonClient, PYTHON} from '../../helpers/python.js'
import {FakeStreamRuntime, type FakeContainer} from '../../unit/agent/server/fake-runtime.js'

const run = promisify(execFile)

describe('kubectl logs/exec through the apiserver to the agent', function () {
  this.timeout(60_000)
  let api: RunningApiServer
  let agent: RunningAgentServer
  let docker: FakeStreamRuntime
  let web: FakeContainer
  let dir: string
  let raw: (method: string, path: string) => Promise<{status: number; text: string}>
  let wsOpen: (path: string, protocol: string) => WebSocket
  let firstChunk: (path: string) => Promise<string>
  const args = (...a: string[]) => ['--kubeconfig', join(dir, 'config'), '--cache-dir', join(dir, 'cache'), ...a]
  const kubectl = async (...a: string[]) => (await run('kubectl', args(...a))).stdout
  /** Runs kubectl with `input` on stdin; resolves with its output and exit code (never rejects). */
  const kubectlIO = (input: string | undefined, ...a: string[]) => new Promise<{code: number; stdout: string; stderr: string}>((resolve) => {
    const p = spawn('kubectl', args(...a))
    let stdout = ''
    let stderr = ''
    p.stdout.on('data', d => (stdout += d))
    p.stderr.on('data', d => (stderr += d))
    p.on('close', code => resolve({code: code ?? -1, stdout, stderr}))
    if (input !== undefined) p.stdin.end(input)
    else p.stdin.end()
  })

  before(async () => {
    const ca = await createTestCa()
    // The same identities as a real cluster: a server-only apiserver certificate (CN=kube-apiserver) that the
    // apiserver also presents to agents, and a node certificate serving the agent on 127.0.0.1.
    const apiserverCert = await ca.sign('CN=kube-apiserver', {server: true})
    const nodeCert = await ca.sign('CN=system:node:n1,O=system:nodes', {server: true})
    const admin = await ca.sign('CN=admin,O=system:masters')
    const tlsOpts = {ca: ca.cert, cert: admin.cert, key: admin.key}
    raw = (method, path) => new Promise((resolve, reject) => {
      const req = https.request({host: '127.0.0.1', port: api.port, method, path, ...tlsOpts, agent: false}, (res) => {
        let text = ''
        res.on('data', (d) => (text += d))
        res.on('end', () => resolve({status: res.statusCode ?? 0, text}))
      })
      req.on('error', reject)
      req.end()
    })
    firstChunk = (path) => new Promise((resolve, reject) => {
      const req = https.get({host: '127.0.0.1', port: api.port, path, ...tlsOpts, agent: false}, (res) => {
        res.once('data', (d: Buffer) => {
          resolve(d.toString())
          req.destroy()
        })
      })
      req.on('error', reject)
    })
    wsOpen = (path, protocol) => new WebSocket(`wss://127.0.0.1:${api.port}${path}`, [protocol], tlsOpts)
    docker = new FakeStreamRuntime()
    agent = await startAgentServer({port: 0, host: '127.0.0.1', tls: {...nodeCert, ca: ca.cert}, runtime: docker})
    api = await startApiServer({store: new MemoryStore(), port: 0, tls: {...apiserverCert, ca: ca.cert}})
    dir = await mkdtemp(join(tmpdir(), 'skiff-streams-'))
    const b64 = (s: string) => Buffer.from(s).toString('base64')
    await writeFile(join(dir, 'config'), `apiVersion: v1
kind: Config
clusters: [{name: t, cluster: {server: "https://127.0.0.1:${api.port}", certificate-authority-data: ${b64(ca.cert)}}}]
users: [{name: t, user: {client-certificate-data: ${b64(admin.cert)}, client-key-data: ${b64(admin.key)}}}]
contexts: [{name: t, context: {cluster: t, user: t}}]
current-context: t
`)
    await writeFile(join(dir, 'objs.yaml'), `apiVersion: v1
kind: Node
metadata: {name: n1}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: default}
spec: {nodeName: n1, containers: [{name: app, image: busybox}]}
---
apiVersion: v1
kind: Pod
metadata: {name: multi, namespace: default}
spec: {nodeName: n1, containers: [{name: a, image: busybox}, {name: b, image: busybox}]}
---
apiVersion: v1
kind: Pod
metadata: {name: pending, namespace: default}
spec: {containers: [{name: app, image: busybox}]}
`)
    await kubectl('create', '-f', join(dir, 'objs.yaml'))
    // What the agent would report: its address and kubelet port, and running containers.
    await kubectl('patch', 'node', 'n1', '--subresource=status', '--type=merge', '-p',
      JSON.stringify({status: {addresses: [{type: 'InternalIP', address: '127.0.0.1'}], daemonEndpoints: {kubeletEndpoint: {Port: agent.port}}}}))
    const running = (names: string[]) => JSON.stringify({status: {phase: 'Running', containerStatuses: names.map(name => ({name, ready: true, restartCount: 0, image: 'busybox', imageID: '', state: {running: {startedAt: '2026-11-25T10:00:00Z'}}}))}})
    await kubectl('patch', 'pod', 'web', '--subresource=status', '--type=merge', '-p', running(['app']))
    await kubectl('patch', 'pod', 'multi', '--subresource=status', '--type=merge', '-p', running(['a', 'b']))
    web = docker.add({ns: 'default', pod: 'web', name: 'app'})
    for (const l of ['one', 'two', 'three']) docker.log(web, l)
    docker.add({ns: 'default', pod: 'multi', name: 'a'})
    docker.log(docker.add({ns: 'default', pod: 'multi', name: 'b'}), 'from b')
    docker.onExec = (p) => {
      const cmd = p.cmd.join(' ')
      if (cmd === 'cat /etc/hostname') {
        p.write(1, 'web\n')
        p.exit(0)
      } else if (cmd === 'sh -c exit 3') p.exit(3)
      else if (cmd === 'sh') {
        // A tiny shell: answers each line it reads, exits at EOF.
        let input = ''
        p.stdin.on('data', (d: Buffer) => (input += d))
        p.stdin.on('end', () => {
          p.write(1, input.split('\n').filter(Boolean).map(l => `sh: ${l}\n`).join(''))
          p.write(2, 'bye\n')
          p.exit(0)
        })
      } else {
        p.write(2, `${p.cmd[0]}: not found\n`)
        p.exit(127)
      }
    }
  })
  after(async () => {
    await api?.close()
    await agent?.close()
    docker?.cleanup()
    if (dir) await rm(dir, {recursive: true, force: true})
  })

  it('kubectl logs, --tail, -c, and the errors for a pending pod and a missing container name', async () => {
    assert.equal(await kubectl('logs', 'web'), 'one\ntwo\nthree\n')
    assert.equal(await kubectl('logs', 'web', '--tail=1'), 'three\n')
    assert.equal(await kubectl('logs', 'multi', '-c', 'b'), 'from b\n')
    assert.match(await kubectl('logs', 'web', '--timestamps', '--tail=1'), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z three\n$/)
    const pending = await kubectlIO(undefined, 'logs', 'pending')
    assert.notEqual(pending.code, 0)
    assert.match(pending.stderr, /container "app" in pod "pending" is waiting to start: ContainerCreating/)
  })

  it('the API answers 400 with the choices when a multi-container pod is asked without a container', async () => {
    // kubectl picks a container itself, so ask the API directly through kubectl get --raw.
    const r = await kubectlIO(undefined, 'get', '--raw', '/api/v1/namespaces/default/pods/multi/log')
    assert.notEqual(r.code, 0)
    assert.match(r.stderr, /a container name must be specified for pod multi, choose one of: \[a b\]/)
  })

  it('kubectl logs -f streams new lines and exits 0 when the stream ends', async () => {
    const p = spawn('kubectl', args('logs', '-f', 'web', '--tail=1'))
    let out = ''
    const done = new Promise<number>(resolve => p.on('close', code => resolve(code ?? -1)))
    await new Promise<void>(resolve => p.stdout.on('data', (d) => {
      out += d
      if (out === 'three\n') {
        docker.log(web, 'four')
      } else if (out === 'three\nfour\n') {
        // The container stops: the agent ends the follow stream once it has read everything.
        web.running = false
        resolve()
      }
    }))
    assert.equal(await done, 0)
    assert.equal(out, 'three\nfour\n')
    web.running = true
  })

  it('kubectl exec: output, stdin with -i, and exit codes', async () => {
    assert.equal(await kubectl('exec', 'web', '--', 'cat', '/etc/hostname'), 'web\n')
    const sh = await kubectlIO('echo hi\nls\n', 'exec', '-i', 'web', '--', 'sh')
    assert.deepEqual(sh, {code: 0, stdout: 'sh: echo hi\nsh: ls\n', stderr: 'bye\n'})
    const failed = await kubectlIO(undefined, 'exec', 'web', '--', 'sh', '-c', 'exit 3')
    assert.equal(failed.code, 3)
    const missing = await kubectlIO(undefined, 'exec', 'web', '--', 'nope')
    assert.equal(missing.code, 127)
    assert.match(missing.stderr, /nope: not found/)
  })

  it('kubectl exec into a pod without a node, or a container that is not running, fails with a reason', async () => {
    const r = await kubectlIO(undefined, 'exec', 'pending', '--', 'true')
    assert.notEqual(r.code, 0)
    assert.match(r.stderr, /does not have a host assigned/)
    // Scheduled, but the container has not started (or has stopped): the agent refuses the WebSocket, kubectl
    // retries with SPDY, and that answer carries the agent's reason.
    await kubectl('run', 'starting', '--image=busybox', '--overrides={"spec":{"nodeName":"n1"}}')
    const s = await kubectlIO(undefined, 'exec', 'starting', '--', 'true')
    assert.notEqual(s.code, 0)
    assert.match(s.stderr, /container "starting" not found in pod "starting"/)
    docker.add({ns: 'default', pod: 'starting', name: 'starting', running: false})
    const stopped = await kubectlIO(undefined, 'exec', 'starting', '--', 'true')
    assert.match(stopped.stderr, /container "starting" in pod "starting" is not running/)
  })

  it('kubectl attach -i: stdin to the main process, its output back', async () => {
    docker.onAttach = (p) => {
      let input = ''
      p.stdin.on('data', (d: Buffer) => (input += d))
      p.stdin.on('end', () => {
        p.write(1, `main got ${input}`)
        p.exit(0)
      })
    }
    const r = await kubectlIO('hello\n', 'attach', '-i', 'web', '-c', 'app')
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /main got hello\n/)
  })

  it('crash-looping container (waiting, with a terminated last run): kubectl logs serves the last run', async () => {
    await kubectl('run', 'crashy', '--image=busybox', '--overrides={"spec":{"nodeName":"n1"}}')
    await kubectl('patch', 'pod', 'crashy', '--subresource=status', '--type=merge', '-p', JSON.stringify({status: {phase: 'Running', containerStatuses: [{
      name: 'crashy', ready: false, restartCount: 3, image: 'busybox', imageID: '',
      state: {waiting: {reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container'}},
      lastState: {terminated: {exitCode: 1, reason: 'Error', startedAt: '2026-11-25T10:00:00Z', finishedAt: '2026-11-25T10:00:01Z'}},
    }]}}))
    const last = docker.add({ns: 'default', pod: 'crashy', name: 'crashy', restartCount: 3, running: false})
    docker.log(last, 'last words')
    assert.equal(await kubectl('logs', 'crashy'), 'last words\n')
    // No previous run: the kubelet's 400 with the waiting reason stays.
    await kubectl('run', 'nopull', '--image=busybox', '--overrides={"spec":{"nodeName":"n1"}}')
    await kubectl('patch', 'pod', 'nopull', '--subresource=status', '--type=merge', '-p', JSON.stringify({status: {containerStatuses: [{
      name: 'nopull', ready: false, restartCount: 0, image: 'busybox', imageID: '', state: {waiting: {reason: 'ErrImagePull'}}}]}}))
    const r = await kubectlIO(undefined, 'logs', 'nopull')
    assert.notEqual(r.code, 0)
    assert.match(r.stderr, /container "nopull" in pod "nopull" is waiting to start: ErrImagePull/)
  })

  it('exec, attach and portforward without an upgrade: 400 "Upgrade request required" after the pod checks', async () => {
    for (const [method, path] of [['GET', 'exec?command=ls&stdout=true'], ['POST', 'exec?command=ls&stdout=true'], ['POST', 'attach?stdout=true'], ['GET', 'portforward?ports=80']]) {
      const r = await raw(method, `/api/v1/namespaces/default/pods/web/${path}`)
      assert.equal(r.status, 400, `${method} ${path}: ${r.text}`)
      assert.deepEqual({kind: JSON.parse(r.text).kind, message: JSON.parse(r.text).message}, {kind: 'Status', message: 'Upgrade request required'})
    }
    assert.equal((await raw('POST', '/api/v1/namespaces/default/pods/nope/exec?command=ls')).status, 404)
    const wrong = await raw('POST', '/api/v1/namespaces/default/pods/web/exec?command=ls&container=zz')
    assert.equal(JSON.parse(wrong.text).message, 'container zz is not valid for pod web')
    assert.equal(JSON.parse((await raw('POST', '/api/v1/namespaces/default/pods/pending/exec?command=ls')).text).message, 'pod pending does not have a host assigned')
  })

  /** Runs `cat /etc/hostname` in web over a WebSocket with `protocol`; returns the frames received and how they came. */
  const execFrames = (protocol: string, query: string) => new Promise<{protocol: string; frames: Array<{data: Buffer; binary: boolean}>}>((resolve, reject) => {
    const ws = wsOpen(`/api/v1/namespaces/default/pods/web/exec?command=cat&command=%2Fetc%2Fhostname&${query}`, protocol)
    const frames: Array<{data: Buffer; binary: boolean}> = []
    ws.on('message', (data: Buffer, binary) => frames.push({data, binary}))
    ws.on('close', () => resolve({protocol: ws.protocol, frames}))
    ws.on('error', reject)
  })

  it('exec over base64.channel.k8s.io and v4.base64.channel.k8s.io: text frames, an ASCII channel digit, base64 payloads', async () => {
    const v1 = await execFrames('base64.channel.k8s.io', 'stdout=True&stderr=True')
    assert.equal(v1.protocol, 'base64.channel.k8s.io')
    assert.ok(v1.frames.every((f) => !f.binary))
    const text = v1.frames.map((f) => f.data.toString())
    assert.deepEqual(text, ['1' + Buffer.from('web\n').toString('base64')])
    const v4 = await execFrames('v4.base64.channel.k8s.io', 'stdout=1')
    assert.equal(v4.protocol, 'v4.base64.channel.k8s.io')
    const decoded = v4.frames.map((f) => ({channel: f.data.toString()[0], text: Buffer.from(f.data.toString().slice(1), 'base64').toString()}))
    assert.deepEqual(decoded[0], {channel: '1', text: 'web\n'})
    assert.equal(decoded[1].channel, '3')
    assert.equal(JSON.parse(decoded[1].text).status, 'Success')
    // The binary protocols are unchanged: channel byte, raw payload.
    const v5 = await execFrames('v5.channel.k8s.io', 'stdout=true')
    assert.equal(v5.protocol, 'v5.channel.k8s.io')
    assert.deepEqual([v5.frames[0].binary, v5.frames[0].data[0], v5.frames[0].data.subarray(1).toString()], [true, 1, 'web\n'])
  })

  it('query booleans as Kubernetes reads them: True and 1 are true, False and 0 false (the Python client sends True)', async () => {
    docker.log(web, 'five')
    const ts = await raw('GET', '/api/v1/namespaces/default/pods/web/log?timestamps=True&tailLines=1')
    assert.match(ts.text, /^\d{4}-\d\d-\d\dT\S+ five\n$/)
    assert.equal((await raw('GET', '/api/v1/namespaces/default/pods/web/log?timestamps=FALSE&tailLines=1')).text, 'five\n')
    // exec with stdout=True reaches the process; stdout=0 and stderr=FALSE ask for no stream at all: the kubelet's 400.
    assert.equal((await execFrames('v4.channel.k8s.io', 'stdout=True')).frames[0].data.subarray(1).toString(), 'web\n')
    await assert.rejects(execFrames('v4.channel.k8s.io', 'stdout=0&stderr=FALSE'), /Unexpected server response: 400/)
    // watch=True on a list is a watch: the answer stays open and starts with ADDED events.
    const first = await firstChunk('/api/v1/namespaces/default/pods?watch=True&fieldSelector=metadata.name%3Dweb')
    assert.deepEqual([JSON.parse(first.split('\n')[0]).type, JSON.parse(first.split('\n')[0]).object.metadata.name], ['ADDED', 'web'])
    // follow=True keeps the log open: the line written after the request arrives.
    const follow = firstChunk('/api/v1/namespaces/default/pods/web/log?follow=True&tailLines=0')
    await new Promise((r) => setTimeout(r, 300))
    docker.log(web, 'six')
    assert.equal(await follow, 'six\n')
  })

  it('the Python client\'s exec returns when the command ends (the agent ends the connection after its close frame)', async () => {
    // The Python client waits on the socket for the close frame; one already buffered in its TLS layer was seen only
    // when the agent gave up waiting for the client's close reply, 30 s later.
    await ensurePythonClient()
    const script = `
import sys, time
from kubernetes import client, config
from kubernetes.stream import stream
config.load_kube_config(config_file=sys.argv[1])
v1 = client.CoreV1Api()
for i in range(5):
    t = time.time()
    out = stream(v1.connect_get_namespaced_pod_exec, 'web', 'default', command=['cat', '/etc/hostname'], stderr=True, stdin=False, stdout=True, tty=False)
    print(repr(out), round(time.time() - t, 2))
`
    const {stdout} = await run(PYTHON, ['-c', script, join(dir, 'config')], {timeout: 50_000})
    const runs = stdout.trim().split('\n').map((l) => l.split(' '))
    assert.equal(runs.length, 5, stdout)
    for (const [out, secs] of runs) {
      assert.equal(out, "'web\\n'")
      assert.ok(Number(secs) < 5, stdout)
    }
  })

  it('kubectl port-forward: several connections at once through the apiserver and the agent to the pod port', async () => {
    // The "pod port": an upper-casing echo server the fake runtime dials for the pod.
    const target = net.createServer((s) => s.on('data', (d) => s.write(d.toString().toUpperCase())))
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', () => r()))
    const podPort = (target.address() as net.AddressInfo).port
    docker.sandboxes.add('default/web')
    const pf = await startPortForward(args('port-forward', 'pod/web', `:${podPort}`))
    const local = pf.port
    try {
      const roundTrip = (i: number) => new Promise<string>((resolve, reject) => {
        const c = net.connect(local, '127.0.0.1', () => c.write(`hello ${i}`))
        c.on('data', (d) => {
          resolve(d.toString())
          c.end()
        })
        c.on('error', reject)
      })
      const answers = await Promise.all(Array.from({length: 10}, (_, i) => roundTrip(i)))
      assert.deepEqual(answers, Array.from({length: 10}, (_, i) => `HELLO ${i}`))
    } finally {
      pf.stop()
      target.close()
    }
  })

  it('interrupting kubectl logs -f closes the agent stream', async () => {
    const p = spawn('kubectl', args('logs', '-f', 'web', '--tail=1'))
    await new Promise<void>(resolve => p.stdout.once('data', () => resolve()))
    assert.equal(agent.openStreams(), 1)
    p.kill('SIGINT')
    await waitFor('the agent stream to close', async () => agent.openStreams() === 0, 2000, 20)
  })
})
