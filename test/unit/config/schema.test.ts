// The config's JSON Schema and the strict loader agree: the shipped schema is current, the template validates against it, and unknown fields fail in both with the line named.
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {Ajv} from 'ajv'
import yaml from 'js-yaml'
import {decodeConfigText} from '../../../src/config/load.js'
import {allowedKeys, clusterConfigSchema, type JSONSchema} from '../../../src/config/schema.js'
import {planCluster} from '../../../src/cluster/plan.js'
import {nodeCreateOptions} from '../../../src/cluster/docker/spec.js'

const root = join(import.meta.dirname, '../../..')
const shipped = JSON.parse(readFileSync(join(root, 'templates/cluster.schema.json'), 'utf8')) as JSONSchema
const template = readFileSync(join(root, 'templates/cluster.yaml'), 'utf8')
const validate = new Ajv({allErrors: true}).compile(shipped)

/** Every mapping path of the schema with its properties, e.g. "nodes[].taints[]". */
function mappingPaths(s: JSONSchema, path = ''): string[] {
  const here = s.properties ? [path] : []
  const below = Object.entries(s.properties ?? {}).flatMap(([k, v]) => {
    const p = path ? `${path}.${k}` : k
    return v.items ? mappingPaths(v.items, `${p}[]`) : v.properties ? mappingPaths(v, p) : []
  })
  return [...here, ...below]
}

/** A minimal valid document with `extra` set at a mapping path (with a sample node, taint and port mapping). */
function docWith(path: string, extra: Record<string, unknown>): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    apiVersion: 'skiff.dev/v1alpha1',
    kind: 'Cluster',
    networking: {},
    components: {},
    nodes: [{role: 'control-plane', taints: [{key: 'a', effect: 'NoSchedule'}], extraPortMappings: [{containerPort: 80}]}],
  }
  const target: Record<string, Record<string, unknown>> = {
    '': doc,
    networking: doc.networking as Record<string, unknown>,
    components: doc.components as Record<string, unknown>,
    'nodes[]': (doc.nodes as Record<string, unknown>[])[0],
    'nodes[].taints[]': ((doc.nodes as Record<string, unknown[]>[])[0].taints as Record<string, unknown>[])[0],
    'nodes[].extraPortMappings[]': ((doc.nodes as Record<string, unknown[]>[])[0].extraPortMappings as Record<string, unknown>[])[0],
  }
  assert.ok(target[path], `test has no sample for ${path}`)
  Object.assign(target[path], extra)
  return doc
}

describe('cluster config schema', () => {
  it('templates/cluster.schema.json is generated from src/config/schema.ts (npx tsx scripts/gen-config-schema.ts)', () => {
    assert.deepEqual(shipped, JSON.parse(JSON.stringify(clusterConfigSchema)))
  })

  it('templates/cluster.yaml validates against the schema and loads', () => {
    const ok = validate(yaml.load(template))
    assert.ok(ok, JSON.stringify(validate.errors))
    const c = decodeConfigText(template, 'templates/cluster.yaml')
    assert.equal(c.nodes[1].cpus, 1)
    assert.equal(c.nodes[1].memory, 1024 ** 3)
    assert.deepEqual(c.nodes[2].taints, [{key: 'dedicated', value: 'batch', effect: 'PreferNoSchedule'}])
    assert.deepEqual(c.nodes[0].extraPortMappings, [{containerPort: 30080, hostPort: 0, protocol: 'TCP', listenAddress: '127.0.0.1'}])
  })

  for (const path of mappingPaths(clusterConfigSchema)) {
    it(`loader and schema agree on the keys of "${path || '(top level)'}"`, () => {
      // An unknown key: both refuse it.
      const bad = docWith(path, {bogusField: 1})
      assert.equal(validate(bad), false, 'schema accepted an unknown field')
      assert.throws(() => decodeConfigText(JSON.stringify(bad), 'x.json'), /unknown field "[^"]*bogusField"/)
      // The loader's allowed list is the schema's properties.
      assert.deepEqual(allowedKeys(path), Object.keys(path === '' ? clusterConfigSchema.properties! : mappingSchema(path).properties!))
    })
  }

  it('names the line of an unknown field, nested in a list', () => {
    const text = ['apiVersion: skiff.dev/v1alpha1', 'kind: Cluster', 'nodes:', '  - role: control-plane', '  - role: worker', '    cpu: 2', ''].join('\n')
    assert.throws(() => decodeConfigText(text, 'c.yaml'), (err: Error) => {
      assert.match(err.message, /^invalid cluster config c\.yaml:6: unknown field "nodes\[1\]\.cpu"/)
      return true
    })
  })

  it('names the line of a bad value and of a YAML syntax error', () => {
    const text = ['apiVersion: skiff.dev/v1alpha1', 'kind: Cluster', 'nodes:', '  - role: control-plane', '    memory: 12'].join('\n')
    assert.throws(() => decodeConfigText(text, 'c.yaml'), /c\.yaml:5: nodes\[0\]\.memory "?12"? is below the 256Mi/)
    assert.throws(() => decodeConfigText('apiVersion: a\nkind: [x\n', 'c.yaml'), /not valid YAML: .*\(line \d\)/)
    const cpus = ['apiVersion: skiff.dev/v1alpha1', 'kind: Cluster', 'nodes:', '  - role: control-plane', '  - role: worker', '    cpus: -1'].join('\n')
    assert.throws(() => decodeConfigText(cpus, 'c.yaml'), /c\.yaml:6: nodes\[1\]\.cpus must be a positive number/)
  })

  it('turns node limits and port mappings into Docker limits and bindings', () => {
    const c = decodeConfigText(template, 't.yaml')
    const plan = planCluster(c, '172.30.0.0/24')
    const rt = {cluster: 'full', image: 'img', network: 'skiff-full', env: {}, files: {}}
    const worker = nodeCreateOptions(plan.nodes[1], rt, 'privileged', 'v')
    assert.equal(worker.HostConfig?.NanoCpus, 1e9)
    assert.equal(worker.HostConfig?.Memory, 1024 ** 3)
    assert.equal(worker.HostConfig?.MemorySwap, 1024 ** 3)
    const cp = nodeCreateOptions(plan.nodes[0], rt, 'privileged', 'v')
    assert.deepEqual(cp.HostConfig?.PortBindings?.['30080/tcp'], [{HostIp: '127.0.0.1', HostPort: ''}])
    assert.equal(cp.HostConfig?.NanoCpus, undefined)
  })
})

function mappingSchema(path: string): JSONSchema {
  let s: JSONSchema = clusterConfigSchema
  for (const part of path.split('.')) {
    s = s.properties![part.replace(/\[\]$/, '')]
    if (part.endsWith('[]')) s = s.items!
  }
  return s
}
