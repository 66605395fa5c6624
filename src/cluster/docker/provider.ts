// Docker implementation of the Provider: clusters are found by container labels, nodes are containers.
import type Dockerode from 'dockerode'
import DockerodeClass from './dockerode.js'
import {mkdir, readFile, writeFile} from 'node:fs/promises'
import {homedir} from 'node:os'
import {dirname, join} from 'node:path'
import {SkiffError} from '../../errors.js'
import {LOAD_BALANCER_ROLE, Labels} from '../../api/contract.js'
import type {NodePlan} from '../plan.js'
import type {ClusterInfo, EngineInfo, ExecResult, ImageBuild, ImageInfo, NetworkUse, NodeInfo, NodeProvider, NodeRuntime, NodeSpec, OnProgress, Provider, SecurityMode} from '../provider.js'
import * as nodes from './nodes.js'
import {skiffVersion} from '../version.js'
import * as images from './images.js'
import {nodeCreateOptions, nodeVolumeNames} from './spec.js'
import {execIn, logTail, packFiles, readFileFrom} from './streams.js'
import type {NodeRole} from '../../config/types.js'

/** Talks to the host's Docker engine through dockerode. */
export class DockerProvider implements Provider, NodeProvider {
  readonly docker: Dockerode

  constructor(docker: Dockerode = new DockerodeClass(), private readonly version = skiffVersion()) {
    this.docker = docker
  }

  async ping(): Promise<void> {
    try {
      await this.docker.ping()
    } catch (err) {
      const where = process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock'
      const e = err as NodeJS.ErrnoException
      throw new SkiffError(`cannot reach the Docker engine at ${where}: ${e.code ?? e.message}`, {
        exitCode: 3,
        suggestions: ['Start Docker (e.g. `sudo systemctl start docker`), or run scripts/install-docker.sh to install and start it.'],
      })
    }
  }

  async hostSocket(): Promise<string | undefined> {
    // docker-modem keeps a function finding the default socket (~/.docker/run or /var/run) until a request resolves it.
    const modem = this.docker.modem as {socketPath?: unknown}
    const found: unknown = typeof modem.socketPath === 'function' ? await (modem.socketPath as () => Promise<unknown>)() : modem.socketPath
    return typeof found === 'string' ? found : undefined
  }

  async listClusters(): Promise<ClusterInfo[]> {
    const containers = await this.docker.listContainers({all: true, filters: {label: [Labels.cluster]}})
    const byName = new Map<string, ClusterInfo>()
    for (const c of containers) {
      const cluster = c.Labels[Labels.cluster]
      const info = byName.get(cluster) ?? {name: cluster, nodes: []}
      byName.set(cluster, info)
      const name = (c.Names[0] ?? '').replace(/^\//, '')
      // The load-balancer container belongs to the cluster (deleted with it) but is not a node.
      if (c.Labels[Labels.role] === LOAD_BALANCER_ROLE) continue
      const node: NodeInfo = {
        name,
        id: c.Id,
        role: c.Labels[Labels.role] as NodeRole,
        state: c.State,
        ip: Object.values(c.NetworkSettings?.Networks ?? {})[0]?.IPAddress || undefined,
        image: c.Image,
      }
      info.nodes.push(node)
      if (c.Labels[Labels.apiServerPort]) info.apiServerPort = Number(c.Labels[Labels.apiServerPort])
      if (c.Labels[Labels.ingressHTTPPort]) info.ingressPorts = {http: Number(c.Labels[Labels.ingressHTTPPort]), https: Number(c.Labels[Labels.ingressHTTPSPort])}
    }
    for (const info of byName.values()) {
      info.nodes.sort((a, b) => (a.role === b.role ? a.name.localeCompare(b.name, 'en', {numeric: true}) : a.role === 'control-plane' ? -1 : 1))
      info.network = `skiff-${info.name}`
    }
    return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name))
  }

  async getCluster(name: string): Promise<ClusterInfo | undefined> {
    return (await this.listClusters()).find((c) => c.name === name)
  }

  async networks(): Promise<{names: string[]; subnets: string[]}> {
    const nets = await this.docker.listNetworks()
    return {
      names: nets.map((n) => n.Name),
      subnets: nets.flatMap((n) => (n.IPAM?.Config ?? []).map((c) => c.Subnet).filter((s): s is string => Boolean(s))),
    }
  }

  async createNetwork(name: string, subnet: string, gateway: string, cluster: string): Promise<void> {
    await this.docker.createNetwork({
      Name: name,
      Driver: 'bridge',
      CheckDuplicate: true,
      IPAM: {Driver: 'default', Config: [{Subnet: subnet, Gateway: gateway}]},
      Labels: {[Labels.cluster]: cluster},
      Options: {'com.docker.network.bridge.enable_ip_masquerade': 'true'},
    })
  }

  async securityMode(image: string): Promise<SecurityMode> {
    // Probing costs a container start, so the answer is cached per engine.
    const info = await this.docker.info()
    const cacheFile = join(homedir(), '.cache', 'skiff', `engine-${String(info.ID).replace(/[^A-Za-z0-9]/g, '')}.json`)
    try {
      const cached = JSON.parse(await readFile(cacheFile, 'utf8'))
      if (cached.securityMode === 'privileged' || cached.securityMode === 'capabilities') return cached.securityMode
    } catch {
      // not probed yet
    }
    let mode: SecurityMode = 'capabilities'
    const probe = await this.docker.createContainer({Image: image, Entrypoint: ['true'], Labels: {'io.skiff.probe': 'true'}, HostConfig: {Privileged: true, AutoRemove: false}})
    try {
      await probe.start()
      const res = await probe.wait()
      if (res.StatusCode === 0) mode = 'privileged'
    } catch {
      // "unable to apply caps" and friends: the engine cannot grant everything --privileged asks for.
    } finally {
      await probe.remove({force: true}).catch(() => undefined)
    }
    await mkdir(dirname(cacheFile), {recursive: true})
    await writeFile(cacheFile, JSON.stringify({securityMode: mode}))
    return mode
  }

  async createNode(plan: NodePlan, rt: NodeRuntime, mode: SecurityMode): Promise<void> {
    for (const Name of nodeVolumeNames(plan.name)) await this.docker.createVolume({Name, Labels: {[Labels.cluster]: rt.cluster}})
    const container = await this.docker.createContainer(nodeCreateOptions(plan, rt, mode, this.version))
    await container.putArchive(await packFiles(rt.files), {path: '/'})
    await container.start()
  }

  async deleteCluster(name: string): Promise<{containers: number; networks: number; volumes: number}> {
    const filters = {label: [`${Labels.cluster}=${name}`]}
    const containers = await this.docker.listContainers({all: true, filters})
    await Promise.all(containers.map((c) => this.docker.getContainer(c.Id).remove({force: true, v: true}).catch(ignoreNotFound)))
    const nets = await this.docker.listNetworks({filters})
    await Promise.all(nets.map((n) => this.docker.getNetwork(n.Id).remove().catch(ignoreNotFound)))
    const vols = (await this.docker.listVolumes({filters})).Volumes ?? []
    await Promise.all(vols.map((v) => this.docker.getVolume(v.Name).remove({force: true}).catch(ignoreNotFound)))
    return {containers: containers.length, networks: nets.length, volumes: vols.length}
  }

  async readFile(container: string, path: string): Promise<string> {
    return readFileFrom(this.docker, container, path)
  }

  async containerExists(name: string): Promise<boolean> {
    return this.docker
      .getContainer(name)
      .inspect()
      .then(
        () => true,
        () => false,
      )
  }

  async exec(container: string, cmd: string[], opts: {stdin?: NodeJS.ReadableStream} = {}): Promise<ExecResult> {
    return execIn(this.docker, container, cmd, opts.stdin)
  }

  async logs(container: string, tail: number): Promise<string> {
    return logTail(this.docker, container, tail)
  }

  imageID(name: string): Promise<string | undefined> {
    return images.imageID(this.docker, name)
  }

  pullImage(name: string, onProgress: OnProgress): Promise<void> {
    return images.pullImage(this.docker, name, onProgress)
  }

  importImage(rootfs: NodeJS.ReadableStream, name: string, onProgress: OnProgress): Promise<void> {
    return images.importImage(this.docker, rootfs, name, onProgress)
  }

  buildImage(build: ImageBuild, onProgress: OnProgress): Promise<void> {
    return images.buildImage(this.docker, build, onProgress)
  }

  listImages(reference: string): Promise<ImageInfo[]> {
    return images.listImages(this.docker, reference)
  }

  removeImage(tag: string): Promise<boolean> {
    return images.removeImage(this.docker, tag)
  }

  saveImages(names: string[]): Promise<NodeJS.ReadableStream> {
    return images.saveImages(this.docker, names)
  }

  nodeSpec(container: string): Promise<NodeSpec> {
    return nodes.nodeSpec(this.docker, container)
  }

  networkUse(network: string): Promise<NetworkUse> {
    return nodes.networkUse(this.docker, network)
  }

  stopNode(container: string, timeoutSeconds: number): Promise<void> {
    return nodes.stopNode(this.docker, container, timeoutSeconds)
  }

  startNode(container: string): Promise<void> {
    return nodes.startNode(this.docker, container)
  }

  removeNode(container: string): Promise<void> {
    return nodes.removeNode(this.docker, container)
  }

  archive(container: string, path: string): Promise<NodeJS.ReadableStream> {
    return nodes.archive(this.docker, container, path)
  }

  fullLog(container: string): Promise<string> {
    return nodes.fullLog(this.docker, container)
  }

  async engineInfo(): Promise<EngineInfo> {
    const [version, info, nets] = await Promise.all([this.docker.version(), this.docker.info() as Promise<Record<string, unknown>>, this.networks()])
    return {
      version: version.Version,
      apiVersion: version.ApiVersion,
      cgroupVersion: typeof info.CgroupVersion === 'string' ? info.CgroupVersion : undefined,
      cgroupDriver: typeof info.CgroupDriver === 'string' ? info.CgroupDriver : undefined,
      rootDir: typeof info.DockerRootDir === 'string' ? info.DockerRootDir : undefined,
      networkSubnets: nets.subnets,
      local: (await this.hostSocket()) !== undefined,
    }
  }
}

function ignoreNotFound(err: unknown): void {
  const status = (err as {statusCode?: number} | undefined)?.statusCode
  if (status !== 404 && status !== 409) throw err
}
