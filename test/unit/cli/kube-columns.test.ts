// get's client-side columns and order: -L label columns, --show-labels, --sort-by, and the Table request that --sort-by makes.
import assert from 'node:assert/strict'
import type {KubeClient, RequestOptions} from '../../../src/cli/kube/client.js'
import {compareValues, formatLabels, labelHeader, sortObjects, stringCompare, sortPath, sortTable, withLabelColumns} from '../../../src/cli/kube/columns.js'
import {fetchTable} from '../../../src/cli/kube/fetch.js'
import {alignColumns, tableCells, type Table} from '../../../src/cli/kube/printers.js'
import type {ResourceInfo} from '../../../src/cli/kube/types.js'

const pod = (name: string, labels: Record<string, string> | undefined, extra: object = {}) => ({metadata: {name, namespace: 'demo', labels, ...extra}})
const table: Table = {
  columnDefinitions: [{name: 'Name'}, {name: 'Status'}, {name: 'IP', priority: 1}],
  rows: [
    {cells: ['web-10', 'Running', '10.0.0.3'], object: pod('web-10', {app: 'web', tier: 'front'}, {creationTimestamp: '2026-01-02T00:00:00Z'})},
    {cells: ['web-2', 'Running', '10.0.0.2'], object: pod('web-2', {'app.kubernetes.io/name': 'web', app: 'web'}, {creationTimestamp: '2026-01-01T00:00:00Z'})},
    {cells: ['db', 'Pending', null], object: pod('db', undefined, {creationTimestamp: '2026-01-03T00:00:00Z'})},
  ],
}

describe('get label columns', () => {
  it('--show-labels adds LABELS last: k=v sorted by key and joined by commas, <none> without labels', () => {
    const lines = alignColumns(tableCells(withLabelColumns(table, {showLabels: true})))
    assert.deepEqual(lines, [
      'NAME     STATUS    LABELS',
      'web-10   Running   app=web,tier=front',
      'web-2    Running   app=web,app.kubernetes.io/name=web',
      'db       Pending   <none>',
    ])
    assert.equal(formatLabels({b: '2', a: '1'}), 'a=1,b=2')
    assert.equal(formatLabels({}), '<none>')
  })

  it('-L adds one column per key, headed by its last path segment upper-cased, empty where the label is unset', () => {
    assert.equal(labelHeader('app.kubernetes.io/name'), 'NAME')
    const cells = tableCells(withLabelColumns(table, {labelColumns: ['tier', 'app.kubernetes.io/name']}))
    assert.deepEqual(cells[0], ['NAME', 'STATUS', 'TIER', 'NAME'])
    assert.deepEqual(cells.slice(1).map((r) => r.slice(2)), [['front', ''], ['', 'web'], ['', '']])
  })

  it('label columns follow the wide columns and precede LABELS, as kubectl decorates Tables', () => {
    const cells = tableCells(withLabelColumns(table, {labelColumns: ['app'], showLabels: true}), {wide: true, withNamespace: true})
    assert.deepEqual(cells[0], ['NAMESPACE', 'NAME', 'STATUS', 'IP', 'APP', 'LABELS'])
    assert.deepEqual(cells[3], ['demo', 'db', 'Pending', '<none>', '', '<none>'])
  })

  it('leaves the Table as it is without label flags', () => {
    assert.equal(withLabelColumns(table, {labelColumns: []}), table)
  })
})

describe('get --sort-by', () => {
  it('reads kubectl\'s relaxed JSONPath forms and refuses templates', () => {
    assert.equal(sortPath('{.metadata.name}'), '.metadata.name')
    assert.equal(sortPath('metadata.name'), '.metadata.name')
    assert.equal(sortPath('.spec.containers[0].image'), '.spec.containers[0].image')
    assert.throws(() => sortPath('{.a}{.b}'), /couldn't parse --sort-by/)
  })

  it('sorts rows by name bytewise (web-10 before web-2, as kubectl prints) and by creation time', () => {
    assert.deepEqual(sortTable(table, '.metadata.name').rows.map((r) => r.cells[0]), ['db', 'web-10', 'web-2'])
    assert.deepEqual(sortTable(table, '{.metadata.creationTimestamp}').rows.map((r) => r.cells[0]), ['web-2', 'web-10', 'db'])
  })

  it('compares numbers numerically, quantities by amount, and puts a missing field first; equal keys keep their order', () => {
    const objs = [{metadata: {name: 'a'}, spec: {replicas: 10}}, {metadata: {name: 'b'}, spec: {replicas: 9}}, {metadata: {name: 'c'}, spec: {}}, {metadata: {name: 'd'}, spec: {replicas: 9}}]
    assert.deepEqual(sortObjects(objs, '.spec.replicas').map((o) => o.metadata?.name), ['c', 'b', 'd', 'a'])
    assert.ok(compareValues('500m', '2') < 0)
    assert.ok(compareValues('1Gi', '900Mi') > 0)
    assert.ok(compareValues(false, true) < 0)
    // Bytewise, as the real kubectl prints (not the natural order its sources name).
    assert.ok(stringCompare('node-10', 'node-9') < 0)
    assert.ok(stringCompare('web-84765b659-27wmq', 'web-84765b659-5smsv') < 0)
    assert.ok(stringCompare('b', 'a10') > 0)
    assert.equal(stringCompare('x1', 'x1'), 0)
  })

  it('asks the server for whole objects in the rows (includeObject=Object), on lists and on named objects', async () => {
    const seen: Array<{path: string; query?: RequestOptions['query']}> = []
    const fake = {
      async get(path: string, opts: RequestOptions = {}) {
        seen.push({path, query: opts.query})
        return {kind: 'Table', metadata: {resourceVersion: '1'}, columnDefinitions: [{name: 'Name'}], rows: []}
      },
    } as unknown as KubeClient
    const pods: ResourceInfo = {group: '', version: 'v1', resource: 'pods', singular: 'pod', kind: 'Pod', namespaced: true, shortNames: [], categories: [], verbs: [], subresources: []}
    await fetchTable(fake, pods, {namespace: 'demo', names: []}, {includeObject: 'Object'})
    await fetchTable(fake, pods, {namespace: 'demo', names: ['web']}, {includeObject: 'Object'})
    await fetchTable(fake, pods, {namespace: 'demo', names: []})
    assert.deepEqual(seen.map((s) => [s.path, s.query?.includeObject]), [['/api/v1/namespaces/demo/pods', 'Object'], ['/api/v1/namespaces/demo/pods/web', 'Object'], ['/api/v1/namespaces/demo/pods', undefined]])
  })
})
