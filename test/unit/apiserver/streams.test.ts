// pods/log, exec and attach on the apiserver side: path parsing, container choice, the answers given before any agent is dialled, and the end of a proxied stream.
import assert from 'node:assert/strict'
import net, {type AddressInfo} from 'node:net'
import tls from 'node:tls'
import {parseStreamPath, pickContainer} from '../../../src/apiserver/handlers/streams.js'
import {MemoryStore} from '../../../src/store/index.js'
import {startTestServer, type TestServer} from '../../helpers/apiserver.js'

const pod = (containers: string[], inits: string[] = []) => ({
  apiVersion: 'v1', kind: 'Pod', metadata: {name: 'web', namespace: 'default'},
  spec: {containers: containers.map(name => ({name, image: 'x'})), ...(inits.length ? {initContainers: inits.map(name => ({name, image: 'x'}))} : {})},
})

describe('apiserver streams', () => {
  it('parses stream paths and nothing else', () => {
    const r = parseStreamPath('/api/v1/namespaces/ns1/pods/web/exec?command=ls&container=c')!
    assert.equal(r.namespace, 'ns1')
    assert.equal(r.pod, 'web')
    assert.equal(r.subresource, 'exec')
    assert.deepEqual(r.query.getAll('command'), ['ls'])
    assert.equal(parseStreamPath('/api/v1/namespaces/ns1/pods/web/attach')?.subresource, 'attach')
    assert.equal(parseStreamPath('/api/v1/namespaces/ns1/pods/web/status'), undefined)
    assert.equal(parseStreamPath('/apis/apps/v1/namespaces/ns1/deployments/web/log'), undefined)
  })

  it('picks the only container, or asks to choose like Kubernetes', () => {
    assert.equal(pickContainer(pod(['a']), null), 'a')
    assert.equal(pickContainer(pod(['a', 'b']), 'b'), 'b')
    assert.equal(pickContainer(pod(['a'], ['init']), 'init'), 'init')
    assert.throws(() => pickContainer(pod(['a', 'b']), null), {message: 'a container name must be specified for pod web, choose one of: [a b]'})
    assert.throws(() => pickContainer(pod(['a', 'b'], ['i']), null), {message: 'a container name must be specified for pod web, choose one of: [a b] or one of the init containers: [i]'})
    assert.throws(() => pickContainer(pod(['a']), 'z'), {message: 'container z is not valid for pod web'})
  })

  describe('over HTTP', () => {
    let server: TestServer
    before(async () => {
      server = await startTestServer(new MemoryStore())
      await server.request('POST', '/api/v1/namespaces/default/pods', {body: pod(['a'])})
    })
    after(async () => server?.close())

    /** Sends a raw upgrade request and returns the status line and body. */
    function upgrade(path: string, headers: string[], withCert = true): Promise<{status: number; body: any}> {
      return new Promise((resolve, reject) => {
        const s = tls.connect({host: '127.0.0.1', port: server.port, ca: server.ca, ...(withCert ? server.admin : {})}, () => {
          s.write([`POST ${path} HTTP/1.1`, `Host: 127.0.0.1:${server.port}`, 'Connection: Upgrade', ...headers, '', ''].join('\r\n'))
        })
        let text = ''
        s.on('data', d => (text += d))
        s.on('end', () => {
          const [head, body] = text.split('\r\n\r\n')
          resolve({status: Number(head.split(' ')[1]), body: body ? JSON.parse(body) : undefined})
        })
        s.on('error', reject)
      })
    }

    it('log: 404 for a missing pod, 400 while the container is waiting to start', async () => {
      assert.equal((await server.request('GET', '/api/v1/namespaces/default/pods/nope/log')).status, 404)
      const r = await server.request('GET', '/api/v1/namespaces/default/pods/web/log')
      assert.equal(r.status, 400)
      assert.equal(r.json.message, 'container "a" in pod "web" is waiting to start: ContainerCreating')
    })

    it('upgrades: 401 without credentials, 400 for SPDY with the reason, 400 for a pod without a node', async () => {
      const exec = '/api/v1/namespaces/default/pods/web/exec?command=ls&stdout=true'
      assert.equal((await upgrade(exec, ['Upgrade: SPDY/3.1'], false)).status, 401)
      const spdy = await upgrade(exec, ['Upgrade: SPDY/3.1', 'X-Stream-Protocol-Version: v4.channel.k8s.io'])
      assert.equal(spdy.status, 400)
      assert.equal(spdy.body.message, 'pod web does not have a host assigned')
      const other = await upgrade('/api/v1/namespaces/default/pods', ['Upgrade: websocket'])
      assert.equal(other.status, 400)
    })

    it('exec: once the agent has ended the stream the caller gets all of it, and its socket stays open for what the caller still sends', async () => {
      // An agent at the end of an exec: the status and close frames, then its end; it reads nothing more.
      const agentCert = await server.issue('CN=system:node:n1,O=system:nodes', {server: true})
      const agent = tls.createServer({cert: agentCert.cert, key: agentCert.key}, (socket) => {
        let [head, answered] = ['', false]
        socket.on('data', (d: Buffer) => {
          if (answered || !(head += d.toString()).includes('\r\n\r\n')) return
          answered = true
          socket.end('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nstatus and close frames')
        })
        socket.on('error', () => undefined)
      })
      await new Promise<void>((resolve) => agent.listen(0, '127.0.0.1', resolve))
      const merge = {'Content-Type': 'application/merge-patch+json'}
      await server.request('POST', '/api/v1/nodes', {body: {apiVersion: 'v1', kind: 'Node', metadata: {name: 'n1'}}})
      await server.request('PATCH', '/api/v1/nodes/n1/status', {headers: merge, body: {status: {addresses: [{type: 'InternalIP', address: '127.0.0.1'}], daemonEndpoints: {kubeletEndpoint: {Port: (agent.address() as AddressInfo).port}}}}})
      await server.request('POST', '/api/v1/namespaces/default/pods', {body: {...pod(['a']), metadata: {name: 'run', namespace: 'default'}, spec: {...pod(['a']).spec, nodeName: 'n1'}}})
      // kubectl after the close frame: it answers with its own (here in two writes, a moment apart), then ends its side.
      // A socket closed under it answers the first write with a reset, and the second write fails.
      const caller = await new Promise<{text: string; error?: Error}>((resolve) => {
        // Half-open like Go's connections: it may still write after the apiserver's end.
        const raw = net.connect({host: '127.0.0.1', port: server.port, allowHalfOpen: true})
        const s = tls.connect({socket: raw, host: '127.0.0.1', ca: server.ca, ...server.admin}, () => {
          s.write(['GET /api/v1/namespaces/default/pods/run/exec?command=true&stdout=true HTTP/1.1', `Host: 127.0.0.1:${server.port}`, 'Connection: Upgrade', 'Upgrade: websocket',
            'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Protocol: v5.channel.k8s.io', '', ''].join('\r\n'))
        })
        const result: {text: string; error?: Error} = {text: ''}
        s.on('data', (d: Buffer) => (result.text += d.toString()))
        const later = (ms: number, fn: () => void) => () => setTimeout(fn, ms)
        s.on('end', later(20, () => s.write('close ', later(20, () => s.write('reply', later(20, () => s.end()))))))
        s.on('error', (err) => (result.error = err))
        s.on('close', () => resolve(result))
      })
      agent.close()
      assert.equal(caller.error, undefined, 'the caller saw its connection reset')
      assert.match(caller.text, /^HTTP\/1\.1 101 [\s\S]*\r\n\r\nstatus and close frames$/)
    })
  })
})
