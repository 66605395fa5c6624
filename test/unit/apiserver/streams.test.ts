// pods/log, exec and attach on the apiserver side: path parsing, container choice, and the answers given before any agent is dialled.
import assert from 'node:assert/strict'
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
  })
})
