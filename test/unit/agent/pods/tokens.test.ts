// Projected service-account tokens on the node: the TokenRequest the agent sends, caching, renewal at 80% or a day, and the file in the volume.
import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {PodTokens, refreshAt, requiresRefresh} from '../../../../src/agent/pods/tokens.js'
import {prepareVolumes, volumeDir} from '../../../../src/agent/pods/volumes.js'
import {FakeClock} from '../../../../src/api/clock.js'
import type {KubeObject} from '../../../../src/api/types.js'
import type {Pod} from '../../../../src/api/types/workloads.js'

const HOUR = 3600_000
const pod = {metadata: {name: 'client', namespace: 't', uid: 'u1'}, spec: {serviceAccountName: 'robot', containers: [], volumes: [{name: 'kube-api-access-x', projected: {defaultMode: 0o644, sources: [
  {serviceAccountToken: {path: 'token', expirationSeconds: 3607}},
  {downwardAPI: {items: [{path: 'namespace', fieldRef: {fieldPath: 'metadata.namespace'}}]}},
]}}]}} as unknown as Pod

function issuer(clock: FakeClock) {
  const calls: {ns: string; sa: string; body: KubeObject}[] = []
  let fail = false
  const request = async (ns: string, sa: string, body: KubeObject): Promise<KubeObject> => {
    calls.push({ns, sa, body})
    if (fail) throw new Error('apiserver down')
    const seconds = (body.spec as {expirationSeconds: number}).expirationSeconds
    return {...body, status: {token: `tok-${calls.length}`, expirationTimestamp: new Date(clock.now() + seconds * 1000).toISOString()}}
  }
  return {calls, request, failNext: (v: boolean) => void (fail = v)}
}

describe('projected service-account tokens', () => {
  it('renews at 80% of the lifetime, or once a token is a day old', () => {
    const t = {token: 'x', issuedAt: 0, expiresAt: 10 * HOUR}
    assert.equal(requiresRefresh(t, 8 * HOUR - 1), false)
    assert.equal(requiresRefresh(t, 8 * HOUR), true)
    assert.equal(refreshAt(t), 8 * HOUR)
    const year = {token: 'x', issuedAt: 0, expiresAt: 365 * 24 * HOUR}
    assert.equal(requiresRefresh(year, 24 * HOUR), false)
    assert.equal(requiresRefresh(year, 24 * HOUR + 1), true)
    assert.equal(refreshAt(year), 24 * HOUR)
  })

  it('asks a TokenRequest bound to the pod, caches it per pod and source, and renews after 80% of 3607s', async () => {
    const clock = new FakeClock()
    const api = issuer(clock)
    const tokens = new PodTokens(api.request, clock)
    const src = {path: 'token', expirationSeconds: 3607}
    assert.equal(await tokens.token(pod, 'kube-api-access-x', src), 'tok-1')
    assert.deepEqual(api.calls[0].ns, 't')
    assert.deepEqual(api.calls[0].sa, 'robot')
    assert.deepEqual(api.calls[0].body.spec, {audiences: [], expirationSeconds: 3607, boundObjectRef: {kind: 'Pod', apiVersion: 'v1', name: 'client', uid: 'u1'}})
    assert.equal(tokens.nextRefresh('u1'), clock.now() + 0.8 * 3607_000)
    await clock.advance(0.8 * 3607_000 - 1)
    assert.equal(await tokens.token(pod, 'kube-api-access-x', src), 'tok-1')
    assert.equal(await tokens.token(pod, 'kube-api-access-x', {path: 'token', audience: 'vault', expirationSeconds: 3607}), 'tok-2', 'another source, another token')
    assert.deepEqual(api.calls[1].body.spec, {audiences: ['vault'], expirationSeconds: 3607, boundObjectRef: {kind: 'Pod', apiVersion: 'v1', name: 'client', uid: 'u1'}})
    await clock.advance(1)
    assert.equal(await tokens.token(pod, 'kube-api-access-x', src), 'tok-3')
    tokens.forget('u1')
    assert.equal(tokens.nextRefresh('u1'), undefined)
  })

  it('keeps serving a still-valid token when a renewal fails; an expired one fails', async () => {
    const clock = new FakeClock()
    const api = issuer(clock)
    const tokens = new PodTokens(api.request, clock)
    const src = {path: 'token', expirationSeconds: 600}
    assert.equal(await tokens.token(pod, 'v', src), 'tok-1')
    api.failNext(true)
    await clock.advance(500_000)
    assert.equal(await tokens.token(pod, 'v', src), 'tok-1')
    await clock.advance(100_000)
    await assert.rejects(tokens.token(pod, 'v', src), /apiserver down/)
  })

  it('writes the token into the projected volume beside the other sources, and rewrites it when renewed', async () => {
    const clock = new FakeClock()
    const api = issuer(clock)
    const tokens = new PodTokens(api.request, clock)
    const root = mkdtempSync(join(tmpdir(), 'skiff-tokens-'))
    try {
      const lookup = {configMap: () => undefined, secret: () => undefined}
      await prepareVolumes(pod, root, lookup, {}, tokens)
      const dir = volumeDir(root, 'u1', 'kube-api-access-x')
      assert.equal(readFileSync(join(dir, 'token'), 'utf8'), 'tok-1')
      assert.equal(readFileSync(join(dir, 'namespace'), 'utf8'), 't')
      await prepareVolumes(pod, root, lookup, {}, tokens)
      assert.equal(api.calls.length, 1, 'cached between syncs')
      await clock.advance(0.8 * 3607_000)
      await prepareVolumes(pod, root, lookup, {}, tokens)
      assert.equal(readFileSync(join(dir, 'token'), 'utf8'), 'tok-2')
      api.failNext(true)
      tokens.forget('u1')
      await assert.rejects(prepareVolumes(pod, root, lookup, {}, tokens), /failed to fetch token: apiserver down/)
    } finally {
      rmSync(root, {recursive: true, force: true})
    }
  })
})
