// `skiff cluster list` as glue over a fake engine: summaries, table, json and yaml output, and an unreachable engine.
import assert from 'node:assert/strict'
import {stripVTControlCharacters} from 'node:util'
import yaml from 'js-yaml'
import {useProviderFactory} from '../../../src/cli/provider.js'
import {clusterTable, summarizeCluster, type ClusterSummary} from '../../../src/cluster/list.js'
import type {ClusterInfo} from '../../../src/cluster/provider.js'
import {SkiffError} from '../../../src/errors.js'
import {FakeProvider} from './fakes.js'
import {runSkiff} from './run.js'

const node = (name: string, role: 'control-plane' | 'worker', state = 'running') => ({name, id: name, role, state, image: 'skiff/node:test'})
const clusters: ClusterInfo[] = [
  {name: 'demo', apiServerPort: 40123, ingressPorts: {http: 80, https: 443}, nodes: [node('demo-control-plane', 'control-plane'), node('demo-worker', 'worker'), node('demo-worker2', 'worker', 'exited')]},
  {name: 'idle', nodes: [node('idle-control-plane', 'control-plane', 'exited')]},
]

describe('skiff cluster list', () => {
  let fake: FakeProvider
  let restore: () => void

  beforeEach(() => {
    fake = new FakeProvider(structuredClone(clusters))
    restore = useProviderFactory(() => fake)
  })
  afterEach(() => restore())

  it('prints an aligned table with running/total nodes, state and API address', async () => {
    const {stdout, error} = await runSkiff(['cluster', 'list'])
    assert.equal(error, undefined)
    // Coloured or not depends on where the tests run; the text is the same.
    assert.deepEqual(stripVTControlCharacters(stdout).trimEnd().split('\n'), [
      'NAME   NODES   CONTROL-PLANES   WORKERS   STATE      API SERVER                INGRESS',
      'demo   2/3     1                2         Degraded   https://127.0.0.1:40123   127.0.0.1:80,443',
      'idle   0/1     1                0         Stopped    -                         -',
    ])
    assert.deepEqual(fake.calls, ['ping', 'listClusters'])
  })

  it('returns typed summaries and prints them as json or yaml', async () => {
    const json = await runSkiff<ClusterSummary[]>(['cluster', 'list', '-o', 'json'])
    const parsed = JSON.parse(json.stdout) as ClusterSummary[]
    assert.deepEqual(JSON.parse(JSON.stringify(json.result)), parsed)
    assert.deepEqual(parsed[0], {name: 'demo', nodes: 3, controlPlanes: 1, workers: 2, running: 2, state: 'Degraded', apiServer: 'https://127.0.0.1:40123', ingress: {http: 'http://127.0.0.1:80', https: 'https://127.0.0.1:443'}, context: 'skiff-demo'})
    assert.equal(parsed[1].apiServer, undefined)
    const y = await runSkiff(['cluster', 'list', '-o', 'yaml'])
    assert.deepEqual(yaml.load(y.stdout), parsed.map((c) => JSON.parse(JSON.stringify(c))))
  })

  it('prints no colour codes when NO_COLOR is set, even where colour is supported', async () => {
    process.env.NO_COLOR = '1'
    try {
      const {stdout} = await runSkiff(['cluster', 'list'], {stripAnsi: false})
      assert.match(stdout, /Degraded/)
      assert.ok(!stdout.includes('\u001b['), stdout)
    } finally {
      delete process.env.NO_COLOR
    }
  })

  it('says how to create one when there are none', async () => {
    fake.clusters = []
    const {stdout} = await runSkiff(['cluster', 'list'])
    assert.equal(stdout.trim(), 'No clusters. Create one with `skiff cluster create`.')
  })

  it('fails with the engine error and its exit code when Docker does not answer', async () => {
    fake.ping = async () => {
      throw new SkiffError('cannot reach the Docker engine at fake', {exitCode: 3, suggestions: ['Start Docker']})
    }
    const {error} = await runSkiff(['cluster', 'list'])
    assert.match(error?.message ?? '', /cannot reach the Docker engine/)
    assert.equal(error?.oclif?.exit, 3)
  })
})

describe('clusterTable', () => {
  const summaries = clusters.map(summarizeCluster)

  it('colours the state on a terminal without moving the columns', () => {
    const plain = clusterTable(summaries)
    const coloured = clusterTable(summaries, {colour: true})
    const esc = '\u001b['
    assert.ok(plain.every((l) => !l.includes(esc)))
    assert.ok(coloured[1].includes(`${esc}33mDegraded${esc}39m`), coloured[1])
    assert.ok(coloured[2].includes(`${esc}31mStopped${esc}39m`), coloured[2])
    assert.ok(!coloured[0].includes(esc))
    assert.deepEqual(coloured.map((l) => stripVTControlCharacters(l)), plain)
  })
})
