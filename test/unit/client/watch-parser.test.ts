// Tests of the watch stream parser and resource paths.
import assert from 'node:assert/strict'
import {WatchParser} from '../../../src/client/watch-parser.js'
import {resourcePath, withQuery, objectKey, splitKey} from '../../../src/client/paths.js'

describe('WatchParser', () => {
  it('splits events across chunk boundaries, including inside a multi-byte character', () => {
    const text = '{"type":"ADDED","object":{"metadata":{"name":"é"}}}\n{"type":"DELETED","object":{"metadata":{"name":"b"}}}\n'
    const bytes = Buffer.from(text)
    const p = new WatchParser()
    const events = []
    // Cut one byte into "é" (2 bytes in UTF-8) and in the middle of the second event.
    const cut1 = bytes.indexOf(Buffer.from('é')) + 1
    for (const part of [bytes.subarray(0, cut1), bytes.subarray(cut1, cut1 + 60), bytes.subarray(cut1 + 60)]) events.push(...p.push(part))
    assert.deepEqual(
      events.map((e) => [e.type, e.object.metadata.name]),
      [
        ['ADDED', 'é'],
        ['DELETED', 'b'],
      ],
    )
    assert.deepEqual(p.end(), [])
  })

  it('returns a final unterminated event on end and skips blank lines', () => {
    const p = new WatchParser()
    assert.deepEqual(p.push('\n\n{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"7"}}}'), [])
    assert.equal(p.end()[0].object.metadata.resourceVersion, '7')
  })

  it('rejects lines that are not watch events', () => {
    assert.throws(() => new WatchParser().push('{"kind":"PodList"}\n'), /unexpected watch event/)
    assert.throws(() => new WatchParser().push('not json\n'), /malformed/)
  })
})

describe('resourcePath', () => {
  it('builds core, group, namespaced and subresource paths', () => {
    assert.equal(resourcePath({version: 'v1', resource: 'nodes'}), '/api/v1/nodes')
    assert.equal(resourcePath({version: 'v1', resource: 'nodes', name: 'n1', subresource: 'status'}), '/api/v1/nodes/n1/status')
    assert.equal(
      resourcePath({group: 'coordination.k8s.io', version: 'v1', resource: 'leases', namespace: 'kube-node-lease', name: 'n1'}),
      '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1',
    )
    assert.throws(() => resourcePath({version: 'v1', resource: 'pods', subresource: 'log'}))
  })

  it('adds only defined query parameters', () => {
    assert.equal(withQuery('/api/v1/pods', {watch: true, resourceVersion: undefined, labelSelector: 'a=b'}), '/api/v1/pods?watch=true&labelSelector=a%3Db')
  })

  it('keys objects as namespace/name or name', () => {
    assert.equal(objectKey({metadata: {namespace: 'ns', name: 'a'}}), 'ns/a')
    assert.equal(objectKey({metadata: {name: 'n'}}), 'n')
    assert.deepEqual(splitKey('ns/a'), {namespace: 'ns', name: 'a'})
  })
})
