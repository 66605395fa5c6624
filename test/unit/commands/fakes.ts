// A fake Provider for command tests: clusters live in memory, nothing touches Docker.
import type {ClusterInfo, ExecResult, ImageInfo, NodeRuntime, Provider, SecurityMode} from '../../../src/cluster/provider.js'
import type {NodePlan} from '../../../src/cluster/plan.js'

const unused = (what: string) => () => Promise.reject(new Error(`fake provider: ${what} not expected in this test`))

/** An in-memory engine holding the given clusters and node files (container → path → content). */
export class FakeProvider implements Provider {
  readonly calls: string[] = []
  reachable = true

  constructor(
    public clusters: ClusterInfo[] = [],
    public files: Record<string, Record<string, string>> = {},
  ) {}

  async hostSocket(): Promise<string | undefined> {
    return undefined
  }

  async ping(): Promise<void> {
    this.calls.push('ping')
    if (!this.reachable) throw Object.assign(new Error('cannot reach the Docker engine at fake'), {})
  }

  async listClusters(): Promise<ClusterInfo[]> {
    this.calls.push('listClusters')
    return this.clusters
  }

  async getCluster(name: string): Promise<ClusterInfo | undefined> {
    this.calls.push(`getCluster ${name}`)
    return this.clusters.find((c) => c.name === name)
  }

  async readFile(container: string, path: string): Promise<string> {
    this.calls.push(`readFile ${container} ${path}`)
    const content = this.files[container]?.[path]
    if (content === undefined) throw new Error(`no ${path} in ${container}`)
    return content
  }

  async deleteCluster(name: string): Promise<{containers: number; networks: number; volumes: number}> {
    this.calls.push(`deleteCluster ${name}`)
    const found = this.clusters.find((c) => c.name === name)
    this.clusters = this.clusters.filter((c) => c.name !== name)
    return found ? {containers: found.nodes.length, networks: 1, volumes: found.nodes.length} : {containers: 0, networks: 0, volumes: 0}
  }

  async networks(): Promise<{names: string[]; subnets: string[]}> {
    this.calls.push('networks')
    return {names: this.clusters.map((c) => `skiff-${c.name}`), subnets: []}
  }

  createNetwork = unused('createNetwork') as () => Promise<void>
  securityMode = unused('securityMode') as () => Promise<SecurityMode>
  createNode = unused('createNode') as (plan: NodePlan, rt: NodeRuntime, mode: SecurityMode) => Promise<void>
  containerExists = unused('containerExists') as () => Promise<boolean>
  exec = unused('exec') as () => Promise<ExecResult>
  logs = unused('logs') as () => Promise<string>
  imageID = unused('imageID') as () => Promise<string | undefined>
  pullImage = unused('pullImage') as () => Promise<void>
  importImage = unused('importImage') as () => Promise<void>
  buildImage = unused('buildImage') as () => Promise<void>
  listImages = unused('listImages') as () => Promise<ImageInfo[]>
  removeImage = unused('removeImage') as () => Promise<boolean>
  saveImages = unused('saveImages') as () => Promise<NodeJS.ReadableStream>
}
