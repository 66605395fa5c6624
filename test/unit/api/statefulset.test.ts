// StatefulSet (apps/v1): defaults, spec validation (claim-template mounts, maxUnavailable, retention policy, ordinals) and kubectl's columns.
import assert from 'node:assert/strict'
import {applyDefaults, tableRow, validateObject} from '../../../src/api/resources/index.js'
import type {KubeObject} from '../../../src/api/types.js'
import {builtin} from './builtin.js'

const STS = builtin('apps', 'statefulsets')

function sts(spec: Record<string, unknown> = {}, mounts: object[] = []): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: {name: 'web', namespace: 'default', creationTimestamp: '2026-01-10T11:55:00Z'},
    spec: {
      serviceName: 'web',
      replicas: 3,
      selector: {matchLabels: {app: 'web'}},
      template: {metadata: {labels: {app: 'web'}}, spec: {containers: [{name: 'app', image: 'nginx', volumeMounts: mounts}]}},
      ...spec,
    },
  }
}
const defaulted = (o: KubeObject) => (applyDefaults(STS, o), o)
const causes = (o: KubeObject) => validateObject(STS, defaulted(o)).map((c) => `${c.field}: ${c.message}`)
const claim = (name: string) => ({metadata: {name}, spec: {accessModes: ['ReadWriteOnce'], resources: {requests: {storage: '1Gi'}}}})

describe('StatefulSet resource', () => {
  it('defaults OrderedReady, RollingUpdate with partition 0, Retain/Retain and claim templates', () => {
    const o = defaulted(sts({volumeClaimTemplates: [claim('data')]}))
    assert.equal(o.spec.podManagementPolicy, 'OrderedReady')
    assert.deepEqual(o.spec.updateStrategy, {type: 'RollingUpdate', rollingUpdate: {partition: 0}})
    assert.deepEqual(o.spec.persistentVolumeClaimRetentionPolicy, {whenDeleted: 'Retain', whenScaled: 'Retain'})
    assert.equal(o.spec.revisionHistoryLimit, 10)
    assert.equal(o.spec.volumeClaimTemplates[0].spec.volumeMode, 'Filesystem')
  })

  it('lets containers mount claim templates by name, but not volumes that exist nowhere', () => {
    assert.deepEqual(causes(sts({volumeClaimTemplates: [claim('data')]}, [{name: 'data', mountPath: '/data'}])), [])
    assert.match(causes(sts({}, [{name: 'data', mountPath: '/data'}])).join('\n'), /volumeMounts\[0\]\.name: Not found: "data"/)
  })

  it('rejects bad maxUnavailable, retention policies, negative ordinals and duplicate claim templates', () => {
    const bad = causes(
      sts({
        updateStrategy: {type: 'RollingUpdate', rollingUpdate: {partition: 0, maxUnavailable: 0}},
        persistentVolumeClaimRetentionPolicy: {whenDeleted: 'Keep', whenScaled: 'Retain'},
        ordinals: {start: -1},
        volumeClaimTemplates: [claim('data'), claim('data')],
      }),
    )
    assert.ok(bad.some((c) => c.startsWith('spec.updateStrategy.rollingUpdate.maxUnavailable: ')), bad.join('\n'))
    assert.ok(bad.some((c) => c.startsWith('spec.persistentVolumeClaimRetentionPolicy.whenDeleted: Unsupported value: "Keep"')), bad.join('\n'))
    assert.ok(bad.some((c) => c.startsWith('spec.ordinals.start: ')), bad.join('\n'))
    assert.ok(bad.some((c) => c.startsWith('spec.volumeClaimTemplates[1].metadata.name: Duplicate value')), bad.join('\n'))
    assert.deepEqual(causes(sts({updateStrategy: {type: 'RollingUpdate', rollingUpdate: {partition: 1, maxUnavailable: '50%'}}})), [])
  })

  it('shows READY as ready replicas over wanted replicas', () => {
    const o = defaulted({...sts(), status: {replicas: 3, readyReplicas: 2}})
    assert.equal(tableRow(STS, o, new Date('2026-01-10T12:00:00Z'))[1], '2/3')
  })
})
