// Tests of the pod manager's glue on a fake API and runtime: watch → sync → status patch, ConfigMap change → resync, deletion → DELETE.
import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {PodManager, type PodClient, podReferences} from '../../../../src/agent/pods/pod-manager.js'
import type {KubeObject, WatchEvent} from '../../../../src/api/types.js'
import {toPath} from '../../../../src/client/paths.js'
import {waitFor} from '../../../helpers/wait.js'
import {FakeRuntime} from './fake-runtime.js'

type Any = any

/** A fake API: lists return seeded objects; watch streams stay open so the test can push events. */
function fakeApi(seed: Record<string, KubeObject[]>) {
  const calls: string[] = []
  const watchers = new Map<string, (ev: WatchEvent<Any>) => void>()
  let rv = 10
  const client = {
    async list(target: Any) {
      const path = toPath(target)
      return {items: structuredClone(seed[path] ?? []), metadata: {resourceVersion: String(rv)}}
    },
    watch(target: Any, _opts: Any, onEvent: (ev: WatchEvent<Any>) => void) {
      watchers.set(toPath(target), onEvent)
      let stop!: () => void
      const done = new Promise<void>((r) => (stop = r))
      return {stop, done}
    },
    async patch(target: Any, body: Any) {
      calls.push(`PATCH ${toPath(target)} ${body.status?.phase ?? ''}`)
      return body
    },
    async delete(target: Any, opts: Any) {
      calls.push(`DELETE ${toPath(target)} grace=${opts.gracePeriodSeconds} uid=${opts.preconditions?.uid}`)
      return {}
    },
    async create(target: Any, body: Any) {
      if (toPath(target).endsWith('/events')) calls.push(`EVENT ${body.reason}`)
      return body
    },
    async get() {
      throw new Error('unexpected GET')
    },
  }
  const push = (path: string, type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: Any) => watchers.get(path)?.({type, object: {...obj, metadata: {...obj.metadata, resourceVersion: String(++rv)}}})
  return {client: client as unknown as PodClient, calls, push}
}

const wait = (what: string, check: () => boolean) => waitFor(what, async () => check(), 2000, 10)

describe('agent pod manager', () => {
  it('starts a bound pod, writes its status, rewrites a ConfigMap volume on change, and finishes a graceful deletion', async () => {
    const root = mkdtempSync(join(tmpdir(), 'skiff-pm-'))
    const pod: Any = {
      metadata: {name: 'web', namespace: 'default', uid: 'u1', resourceVersion: '5'},
      spec: {nodeName: 'n1', containers: [{name: 'web', image: 'busybox:1', volumeMounts: [{name: 'cfg', mountPath: '/cfg'}]}], volumes: [{name: 'cfg', configMap: {name: 'cfg'}}]},
      status: {phase: 'Pending'},
    }
    const cm: Any = {metadata: {name: 'cfg', namespace: 'default', resourceVersion: '6'}, data: {a: '1'}}
    const api = fakeApi({'/api/v1/pods': [pod], '/api/v1/namespaces/default/configmaps': [cm]})
    const runtime = new FakeRuntime(() => Date.now())
    const abort = new AbortController()
    const manager = new PodManager({client: api.client, runtime, nodeName: 'n1', nodeIP: '172.30.0.3', podsRoot: root, ensurePause: async () => {}, resyncMs: 60_000})
    const running = manager.run(abort.signal)
    try {
      await wait('status Running', () => api.calls.includes('PATCH /api/v1/namespaces/default/pods/web/status Running'))
      assert.equal(runtime.latest('web')?.state, 'running')
      assert.equal(readFileSync(join(root, 'u1/volumes/cfg/a'), 'utf8'), '1')
      api.push('/api/v1/namespaces/default/configmaps', 'MODIFIED', {...cm, data: {a: '2'}})
      await wait('the volume update', () => readFileSync(join(root, 'u1/volumes/cfg/a'), 'utf8') === '2')
      api.push('/api/v1/pods', 'MODIFIED', {...pod, metadata: {...pod.metadata, deletionTimestamp: '2024-01-01T00:00:30Z', deletionGracePeriodSeconds: 30}})
      await wait('the final DELETE', () => api.calls.includes('DELETE /api/v1/namespaces/default/pods/web grace=0 uid=u1'))
      assert.equal(runtime.containers.size, 0)
      await wait('events', () => api.calls.includes('EVENT Started') && api.calls.includes('EVENT Killing'))
    } finally {
      abort.abort()
      await running
      rmSync(root, {recursive: true, force: true})
    }
  })

  it('podReferences finds ConfigMaps and Secrets in env, envFrom and volumes', () => {
    const refs = podReferences({
      metadata: {name: 'p'},
      spec: {
        initContainers: [{name: 'i', envFrom: [{secretRef: {name: 's1'}}]}],
        containers: [{name: 'c', env: [{name: 'A', valueFrom: {configMapKeyRef: {name: 'c1', key: 'k'}}}]}],
        volumes: [{name: 'v1', secret: {secretName: 's2'}}, {name: 'v2', projected: {sources: [{configMap: {name: 'c2'}}]}}],
      },
    })
    assert.deepEqual([...refs.configMaps].sort(), ['c1', 'c2'])
    assert.deepEqual([...refs.secrets].sort(), ['s1', 's2'])
  })
})
