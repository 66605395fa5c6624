// The agent's streaming server against a fake runtime: logs from CRI log files (options, previous, follow), exec frames and status, stdin half-close, authn.
import assert from 'node:assert/strict'
import https from 'node:https'
import WebSocket from 'ws'
import {startAgentServer, type RunningAgentServer} from '../../../../src/agent/server/index.js'
import {parseLogOptions} from '../../../../src/agent/server/logs.js'
import {ATTACH_WATCH, decodeFrame, encodeFrame, framingOf} from '../../../../src/agent/server/streams.js'
import {createTestCa, type TestCert} from '../../../helpers/pki.js'
import {waitFor} from '../../../helpers/wait.js'
import {FakeStreamRuntime} from './fake-runtime.js'

describe('agent streaming server', function () {
  let docker: FakeStreamRuntime
  let server: RunningAgentServer
  let ca: string
  let apiserver: TestCert
  let node: TestCert
  const T0 = Date.parse('2026-11-25T10:00:00Z')

  before(async () => {
    const testCa = await createTestCa()
    ca = testCa.cert
    const serving = await testCa.sign('CN=node-1', {server: true})
    // The real apiserver certificate is server-only: the agent must accept it as a client anyway.
    apiserver = await testCa.sign('CN=kube-apiserver', {server: true})
    node = await testCa.sign('CN=system:node:other,O=system:nodes')
    docker = new FakeStreamRuntime()
    server = await startAgentServer({port: 0, host: '127.0.0.1', tls: {...serving, ca}, runtime: docker})
  })
  after(async () => {
    await server?.close()
    docker?.cleanup()
  })
  beforeEach(() => docker.reset())

  function get(path: string, cert: TestCert | null = apiserver): Promise<{status: number; text: string}> {
    return new Promise((resolve, reject) => {
      https.get({host: '127.0.0.1', port: server.port, path, ca, ...(cert ?? {}), agent: false}, res => {
        let text = ''
        res.on('data', d => (text += d))
        res.on('end', () => resolve({status: res.statusCode!, text}))
      }).on('error', reject)
    })
  }

  /** Runs one exec session; `input` is sent as stdin, then [255,0]. */
  function exec(path: string, input?: string, protocol = 'v5.channel.k8s.io'): Promise<{out: string; err: string; status: any; closeCode: number; protocol: string}> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`wss://127.0.0.1:${server.port}${path}`, [protocol], {ca, ...apiserver})
      let out = ''
      let err = ''
      let status: any
      ws.on('open', () => {
        if (input !== undefined) {
          ws.send(Buffer.concat([Buffer.from([0]), Buffer.from(input)]))
          ws.send(Buffer.from([255, 0]))
        }
      })
      ws.on('message', (m: Buffer) => {
        if (m[0] === 1) out += m.subarray(1).toString()
        else if (m[0] === 2) err += m.subarray(1).toString()
        else if (m[0] === 3) status = JSON.parse(m.subarray(1).toString())
      })
      ws.on('close', (code) => resolve({out, err, status, closeCode: code, protocol: ws.protocol}))
      ws.on('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)))
      ws.on('error', reject)
    })
  }

  it('serves logs: all, tailLines, timestamps, limitBytes, stream', async () => {
    const c = docker.add({ns: 'default', pod: 'web', name: 'app'})
    docker.log(c, 'one', 1, T0)
    docker.log(c, 'two', 2, T0 + 1000)
    docker.log(c, 'three', 1, T0 + 2000)
    assert.deepEqual(await get('/containerLogs/default/web/app'), {status: 200, text: 'one\ntwo\nthree\n'})
    assert.equal((await get('/containerLogs/default/web/app?tailLines=2')).text, 'two\nthree\n')
    assert.equal((await get('/containerLogs/default/web/app?tailLines=1&timestamps=true')).text, '2026-11-25T10:00:02.000000000Z three\n')
    assert.equal((await get('/containerLogs/default/web/app?limitBytes=6')).text, 'one\ntw')
    assert.equal((await get('/containerLogs/default/web/app?stream=Stderr')).text, 'two\n')
    assert.equal((await get('/containerLogs/default/web/app?tailLines=x')).status, 400)
  })

  it('maps sinceSeconds and sinceTime to a since time in epoch seconds', () => {
    assert.equal(parseLogOptions(new URLSearchParams('sinceSeconds=10'), T0).since, T0 / 1000 - 10)
    assert.equal(parseLogOptions(new URLSearchParams('sinceTime=2026-11-25T10:00:01Z'), T0).since, T0 / 1000 + 1)
  })

  it('previous picks the instance with restartCount-1; 400 when there is none', async () => {
    const old = docker.add({ns: 'default', pod: 'web', name: 'app', restartCount: 0, running: false})
    const cur = docker.add({ns: 'default', pod: 'web', name: 'app', restartCount: 1})
    docker.log(old, 'old')
    docker.log(cur, 'new')
    assert.equal((await get('/containerLogs/default/web/app')).text, 'new\n')
    assert.equal((await get('/containerLogs/default/web/app?previous=true')).text, 'old\n')
    const r = await get('/containerLogs/default/web/other?previous=true')
    assert.equal(r.status, 400)
    assert.match(JSON.parse(r.text).message, /waiting to start/)
    docker.containers = [cur]
    const p = await get('/containerLogs/default/web/app?previous=true')
    assert.equal(p.status, 400)
    assert.equal(JSON.parse(p.text).message, 'previous terminated container "app" in pod "web" not found')
  })

  it('follow streams new lines until the client disconnects, then stops reading', async () => {
    const c = docker.add({ns: 'default', pod: 'web', name: 'app'})
    docker.log(c, 'first')
    const got = await new Promise<string>((resolve, reject) => {
      const req = https.get({host: '127.0.0.1', port: server.port, path: '/containerLogs/default/web/app?follow=true', ca, ...apiserver, agent: false}, res => {
        let text = ''
        res.on('data', d => {
          text += d
          if (text === 'first\n') docker.log(c, 'second')
          if (text === 'first\nsecond\n') {
            req.destroy()
            resolve(text)
          }
        })
      })
      req.on('error', reject)
    })
    assert.equal(got, 'first\nsecond\n')
    // The server stops reading the file once the client is gone.
    await waitFor('the log stream to be released', async () => server.openStreams() === 0, 2000, 10)
  })

  it('follow ends by itself once the container has stopped and everything is read', async () => {
    const c = docker.add({ns: 'default', pod: 'web', name: 'app'})
    docker.log(c, 'last words')
    c.running = false
    const r = await get('/containerLogs/default/web/app?follow=true')
    assert.deepEqual(r, {status: 200, text: 'last words\n'})
  })

  it('exec: stdout/stderr channels and a Success status, close 1000', async () => {
    docker.add({ns: 'default', pod: 'web', name: 'app'})
    docker.onExec = (p) => {
      p.write(1, `ran ${p.cmd.join(' ')}\n`)
      p.write(2, 'warn\n')
      p.exit(0)
    }
    const r = await exec('/exec/default/web/app?command=cat&command=%2Fetc%2Fhostname&stdout=true&stderr=true')
    assert.equal(r.protocol, 'v5.channel.k8s.io')
    assert.equal(r.out, 'ran cat /etc/hostname\n')
    assert.equal(r.err, 'warn\n')
    assert.deepEqual(r.status, {metadata: {}, status: 'Success'})
    assert.equal(r.closeCode, 1000)
  })

  it('exec: a non-zero exit is a NonZeroExitCode status with the ExitCode cause (v4 too)', async () => {
    docker.add({ns: 'default', pod: 'web', name: 'app'})
    docker.onExec = (p) => p.exit(3)
    const r = await exec('/exec/default/web/app?command=sh&command=-c&command=exit+3&stdout=true&stderr=true', undefined, 'v4.channel.k8s.io')
    assert.equal(r.protocol, 'v4.channel.k8s.io')
    assert.equal(r.status.status, 'Failure')
    assert.equal(r.status.reason, 'NonZeroExitCode')
    assert.deepEqual(r.status.details, {causes: [{reason: 'ExitCode', message: '3'}]})
  })

  it('exec: stdin reaches the process and [255,0] half-closes it', async () => {
    docker.add({ns: 'default', pod: 'web', name: 'app'})
    const r = await exec('/exec/default/web/app?command=cat&stdin=true&stdout=true&stderr=true', 'hello\n')
    assert.equal(r.out, 'hello\n')
    assert.deepEqual(r.status, {metadata: {}, status: 'Success'})
  })

  it('exec: resize messages reach the runtime when tty', async () => {
    docker.add({ns: 'default', pod: 'web', name: 'app'})
    docker.onExec = (p) => p.stdin.resume().on('end', () => p.exit(0))
    await new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(`wss://127.0.0.1:${server.port}/exec/default/web/app?command=sh&stdin=true&stdout=true&tty=true`, ['v5.channel.k8s.io'], {ca, ...apiserver})
      ws.on('open', () => {
        ws.send(Buffer.concat([Buffer.from([4]), Buffer.from('{"Width":100,"Height":30}')]))
        setTimeout(() => ws.send(Buffer.from([255, 0])), 50)
      })
      ws.on('close', () => resolve())
      ws.on('error', reject)
    })
    assert.deepEqual(docker.sessions[0].resizes, [{w: 100, h: 30}])
    assert.equal(docker.sessions[0].io.tty, true)
  })

  it('frames: binary channel byte for channel.k8s.io forms, an ASCII digit and base64 text for the base64 forms', () => {
    const b64 = framingOf('base64.channel.k8s.io')
    assert.deepEqual(encodeFrame(b64, 1, Buffer.from('hi\n')), {data: '1aGkK', binary: false})
    assert.deepEqual(decodeFrame(b64, Buffer.from('0aGkK')), {channel: 0, data: Buffer.from('hi\n')})
    assert.equal(decodeFrame(b64, Buffer.from('xaGkK')), undefined)
    assert.deepEqual([b64.statusJson, framingOf('v4.base64.channel.k8s.io').statusJson, framingOf('channel.k8s.io').statusJson], [false, true, false])
    const v5 = framingOf('v5.channel.k8s.io')
    assert.deepEqual(encodeFrame(v5, 2, Buffer.from('x')), {data: Buffer.from([2, 0x78]), binary: true})
    assert.equal(v5.closeChannel && !framingOf('v4.channel.k8s.io').closeChannel, true)
  })

  it('attach: output is relayed with a Success status; an attach that saw no output of a container that exited fails so kubectl shows the logs', async () => {
    const c = docker.add({ns: 'default', pod: 'web', name: 'app'})
    docker.onAttach = (p) => {
      p.write(1, 'hello\n')
      p.exit(0)
    }
    const ok = await exec('/attach/default/web/app?stdout=true')
    assert.deepEqual([ok.out, ok.status.status], ['hello\n', 'Success'])
    docker.onAttach = (p) => {
      c.running = false
      p.exit(0)
    }
    const late = await exec('/attach/default/web/app?stdout=true')
    assert.equal(late.out, '')
    assert.deepEqual([late.status.status, late.status.message], ['Failure', 'container "app" in pod "web" is not running'])
  })

  it('attach: ends once its container has stopped even when the runtime never ends the stream', async () => {
    const saved = {...ATTACH_WATCH}
    Object.assign(ATTACH_WATCH, {intervalMs: 20, drainMs: 50})
    try {
      const c = docker.add({ns: 'default', pod: 'web', name: 'app'})
      // The process writes and stops, but the runtime's attach never reports an end.
      docker.onAttach = (p) => {
        p.write(1, 'bye\n')
        setTimeout(() => (c.running = false), 30)
      }
      const r = await exec('/attach/default/web/app?stdout=true')
      assert.deepEqual([r.out, r.status.status, r.closeCode], ['bye\n', 'Success', 1000])
      assert.equal(docker.sessions.at(-1)?.closed, true)
    } finally {
      Object.assign(ATTACH_WATCH, saved)
    }
  })

  it('refuses callers without a CA certificate, nodes, and exec into missing or stopped containers', async () => {
    docker.add({ns: 'default', pod: 'web', name: 'app', running: false})
    assert.equal((await get('/containerLogs/default/web/app', null)).status, 401)
    assert.equal((await get('/containerLogs/default/web/app', node)).status, 403)
    await assert.rejects(exec('/exec/default/web/app?command=sh&stdout=true'), /HTTP 400/)
    await assert.rejects(exec('/exec/default/web/nope?command=sh&stdout=true'), /HTTP 404/)
    await assert.rejects(exec('/exec/default/web/app?stdout=true'), /HTTP 400/)
  })
})
