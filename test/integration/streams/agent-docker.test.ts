// The agent's streaming server against a real dockerd (the host's, standing in for a node's inner one): dockerode's
// log stream, hijacked exec/attach sockets, stdin half-close and exit codes. Skipped when no engine or image is there.
import assert from 'node:assert/strict'
import https from 'node:https'
import Dockerode from 'dockerode'
import WebSocket from 'ws'
import {PodLabels} from '../../../src/agent/container-labels.js'
import {startAgentServer, type RunningAgentServer} from '../../../src/agent/server/index.js'
import {BUSYBOX_IMAGE, ensureBusyboxImage} from '../../helpers/images.js'
import {createTestCa, type TestCert} from '../../helpers/pki.js'
import {waitFor} from '../../helpers/wait.js'

const IMAGE = BUSYBOX_IMAGE

describe('agent streaming server on a real dockerd', function () {
  this.timeout(60_000)
  const docker = new Dockerode({socketPath: '/var/run/docker.sock'})
  const ns = `streams-${process.pid}`
  const made: Dockerode.Container[] = []
  let server: RunningAgentServer
  let ca: string
  let client: TestCert

  before(async () => {
    // Needs the host Docker engine: fails, rather than skips, without it.
    await ensureBusyboxImage(IMAGE)
    const testCa = await createTestCa()
    ca = testCa.cert
    client = await testCa.sign('CN=kube-apiserver', {server: true})
    server = await startAgentServer({port: 0, host: '127.0.0.1', tls: {...(await testCa.sign('CN=n', {server: true})), ca}, docker})
  })
  after(async () => {
    await server?.close()
    for (const c of made) await c.remove({force: true}).catch(() => {})
  })

  async function podContainer(pod: string, name: string, cmd: string[], opts: {restartCount?: number; tty?: boolean; stdin?: boolean} = {}) {
    const c = await docker.createContainer({
      Image: IMAGE, Cmd: cmd, Tty: opts.tty ?? false, OpenStdin: opts.stdin ?? false, StdinOnce: opts.stdin ?? false,
      Labels: {[PodLabels.podNamespace]: ns, [PodLabels.podName]: pod, [PodLabels.containerName]: name, [PodLabels.restartCount]: String(opts.restartCount ?? 0)},
    })
    made.push(c)
    await c.start()
    return c
  }

  const get = (path: string) => new Promise<{status: number; text: string}>((resolve, reject) => {
    https.get({host: '127.0.0.1', port: server.port, path, ca, ...client, agent: false}, res => {
      let text = ''
      res.on('data', d => (text += d))
      res.on('end', () => resolve({status: res.statusCode!, text}))
    }).on('error', reject)
  })

  function session(path: string, input?: string): Promise<{out: string; err: string; status: any}> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`wss://127.0.0.1:${server.port}${path}`, ['v5.channel.k8s.io'], {ca, ...client})
      let out = ''
      let err = ''
      let status: any
      ws.on('open', () => {
        if (input === undefined) return
        ws.send(Buffer.concat([Buffer.from([0]), Buffer.from(input)]))
        ws.send(Buffer.from([255, 0]))
      })
      ws.on('message', (m: Buffer) => {
        if (m[0] === 1) out += m.subarray(1)
        else if (m[0] === 2) err += m.subarray(1)
        else if (m[0] === 3) status = JSON.parse(m.subarray(1).toString())
      })
      ws.on('close', () => resolve({out, err, status}))
      ws.on('unexpected-response', (_q, res) => reject(new Error(`HTTP ${res.statusCode}`)))
      ws.on('error', reject)
    })
  }

  it('logs (stdout and stderr, tail, timestamps) and previous', async () => {
    const old = await podContainer('p', 'app', ['sh', '-c', 'echo old'])
    await old.wait()
    await podContainer('p', 'app', ['sh', '-c', 'echo a; echo b >&2; sleep 0.3; echo c; sleep 600'], {restartCount: 1})
    let logs = ''
    await waitFor('the third line', async () => (logs = (await get(`/containerLogs/${ns}/p/app`)).text).includes('c\n'), 5000, 100)
    // stdout and stderr are copied separately by docker: only the line after the pause has a sure place.
    assert.deepEqual(logs.split('\n').sort(), ['', 'a', 'b', 'c'])
    assert.equal((await get(`/containerLogs/${ns}/p/app?tailLines=1`)).text, 'c\n')
    assert.match((await get(`/containerLogs/${ns}/p/app?tailLines=1&timestamps=true`)).text, /^\d{4}-\d\d-\d\dT[\d:.]+Z c\n$/)
    assert.equal((await get(`/containerLogs/${ns}/p/app?previous=true`)).text, 'old\n')
  })

  it('exec: output, stdin to EOF, exit code', async () => {
    await podContainer('e', 'app', ['sleep', '600'])
    const hostname = await session(`/exec/${ns}/e/app?command=sh&command=-c&command=echo+out%3B+echo+err+%3E%262&stdout=true&stderr=true`)
    assert.deepEqual(hostname, {out: 'out\n', err: 'err\n', status: {metadata: {}, status: 'Success'}})
    const cat = await session(`/exec/${ns}/e/app?command=cat&stdin=true&stdout=true&stderr=true`, 'line 1\nline 2\n')
    assert.equal(cat.out, 'line 1\nline 2\n')
    assert.equal(cat.status.status, 'Success')
    const exit3 = await session(`/exec/${ns}/e/app?command=sh&command=-c&command=exit+3&stdout=true&stderr=true`)
    assert.deepEqual(exit3.status.details, {causes: [{reason: 'ExitCode', message: '3'}]})
  })

  it('exec with a tty', async () => {
    await podContainer('t', 'app', ['sleep', '600'])
    const r = await session(`/exec/${ns}/t/app?command=sh&command=-c&command=tty+%3E%2Fdev%2Fnull+%26%26+echo+yes&stdout=true&tty=true`)
    assert.equal(r.out.trim(), 'yes')
    assert.equal(r.status.status, 'Success')
  })

  it('attach: stdin reaches the main process, its output comes back', async () => {
    await podContainer('a', 'app', ['sh', '-c', 'read x; echo got $x'], {stdin: true})
    const r = await session(`/attach/${ns}/a/app?stdin=true&stdout=true&stderr=true`, 'hello\n')
    assert.equal(r.out, 'got hello\n')
    assert.equal(r.status.status, 'Success')
  })
})
