// `node list`: a cluster's node containers joined with their Node objects (status, capacity, pod range), as rows and a table.
import type {ApiClient} from '../../client/api-client.js'
import type {KubeList} from '../../api/types.js'
import type {Node} from '../../api/types/cluster.js'
import type {NodeInfo} from '../provider.js'

/** One row of `node list`. */
export interface NodeRow {
  name: string
  role: string
  /** Ready, NotReady, Unknown, or "-" when the API cannot be asked or the Node is not registered. */
  status: string
  schedulable: boolean
  container: string
  ip?: string
  podCIDR?: string
  capacity?: Record<string, string>
  taints: string[]
  version?: string
}

/** The Ready condition's reading of a Node. */
export function readyStatus(n: Node | undefined): string {
  const c = n?.status?.conditions?.find((x) => x.type === 'Ready')
  return c ? (c.status === 'True' ? 'Ready' : c.status === 'False' ? 'NotReady' : 'Unknown') : '-'
}

/** Joins containers and Node objects (an object without a container is listed too: a node registered elsewhere). */
export function nodeRows(containers: NodeInfo[], nodes: Node[] | undefined): NodeRow[] {
  const byName = new Map((nodes ?? []).map((n) => [n.metadata.name!, n]))
  const rows: NodeRow[] = containers.map((c) => {
    const n = byName.get(c.name)
    byName.delete(c.name)
    return row(c.name, c.role, c.state, c.ip, n)
  })
  for (const [name, n] of byName) rows.push(row(name, n.metadata.labels?.['node-role.kubernetes.io/control-plane'] !== undefined ? 'control-plane' : 'worker', 'missing', undefined, n))
  return rows
}

function row(name: string, role: string, container: string, ip: string | undefined, n: Node | undefined): NodeRow {
  return {
    name,
    role,
    status: readyStatus(n),
    schedulable: !n?.spec?.unschedulable,
    container,
    ip: ip ?? n?.status?.addresses?.find((a) => a.type === 'InternalIP')?.address,
    podCIDR: n?.spec?.podCIDR,
    capacity: n?.status?.capacity,
    taints: (n?.spec?.taints ?? []).map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`),
    version: n?.status?.nodeInfo?.kubeletVersion,
  }
}

/** Every Node object, or undefined when the API does not answer. */
export async function listNodeObjects(api: ApiClient | undefined): Promise<Node[] | undefined> {
  if (!api) return undefined
  try {
    return (await api.list<Node>({version: 'v1', resource: 'nodes'})).items
  } catch {
    return undefined
  }
}

/** The rows as aligned table lines. */
export function nodeTable(rows: NodeRow[]): string[] {
  const head = ['NAME', 'ROLE', 'STATUS', 'CONTAINER', 'IP', 'POD CIDR', 'CPU', 'MEMORY', 'TAINTS']
  const cells = rows.map((r) => [
    r.name,
    r.role,
    r.status + (r.schedulable ? '' : ',SchedulingDisabled'),
    r.container,
    r.ip ?? '-',
    r.podCIDR ?? '-',
    r.capacity?.cpu ?? '-',
    r.capacity?.memory ?? '-',
    r.taints.length ? r.taints.join(',') : '<none>',
  ])
  const all = [head, ...cells]
  const widths = head.map((_, i) => Math.max(...all.map((r) => r[i].length)))
  return all.map((r) => r.map((c, i) => c.padEnd(widths[i])).join('   ').trimEnd())
}

export type {KubeList}
