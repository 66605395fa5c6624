// Tests that daemon pods land on nodes the node lifecycle controller tainted for pressure, and host-network ones on nodes without a pod network.
import assert from 'node:assert/strict'
import type {DaemonSet} from '../../../src/api/resources/apps/daemonset.js'
import type {Node} from '../../../src/api/types/cluster.js'
import {nodeShouldRunDaemonPod} from '../../../src/controllers/daemonset/placement.js'

const ds = (hostNetwork = false): DaemonSet => ({
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: {name: 'agent', namespace: 'kube-system'},
  spec: {selector: {matchLabels: {app: 'a'}}, template: {metadata: {labels: {app: 'a'}}, spec: {hostNetwork, containers: [{name: 'c', image: 'i'}]}}},
}) as DaemonSet
const node = (...keys: string[]): Node => ({apiVersion: 'v1', kind: 'Node', metadata: {name: 'n1'}, spec: {taints: keys.map((k) => ({key: `node.kubernetes.io/${k}`, effect: 'NoSchedule'}))}}) as Node

describe('DaemonSet placement on tainted nodes', () => {
  it('runs on nodes under memory, disk or PID pressure', () => {
    assert.deepEqual(nodeShouldRunDaemonPod(node('memory-pressure', 'disk-pressure', 'pid-pressure'), ds()), {shouldRun: true, shouldContinueRunning: true})
  })

  it('runs host-network daemons on a node without its pod network, and keeps the others off until it is there', () => {
    assert.deepEqual(nodeShouldRunDaemonPod(node('network-unavailable'), ds(true)), {shouldRun: true, shouldContinueRunning: true})
    assert.deepEqual(nodeShouldRunDaemonPod(node('network-unavailable'), ds(false)), {shouldRun: false, shouldContinueRunning: true})
  })
})
