// Starts one real node container from the node image for CRI tests and benches (the provider's fallback security settings), and cleans it up.
import {execFile, spawn} from 'node:child_process'
import {promisify} from 'node:util'
import Docker from 'dockerode'
import {DockerProvider} from '../../../src/cluster/docker/provider.js'
import {FALLBACK_SECURITY} from '../../../src/cluster/docker/spec.js'
import {ensureNodeImage} from '../../../src/cluster/image/index.js'
import {repoRoot} from '../../../src/cluster/version.js'

const execFileP = promisify(execFile)
export const docker = new Docker()

/** Label on every container these tests start, so a crashed run's leftovers can be found. */
export const TEST_LABEL = 'io.skiff.test'

/** The node image: SKIFF_TEST_NODE_IMAGE when set (a prebuilt image), else the project's own build. */
export async function nodeImage(log: (line: string) => void = () => {}): Promise<string> {
  if (process.env.SKIFF_TEST_NODE_IMAGE) return process.env.SKIFF_TEST_NODE_IMAGE
  const t0 = Date.now()
  const res = await ensureNodeImage(new DockerProvider(docker), {repoRoot: repoRoot(), onProgress: (l) => (/^(Step|Successfully|building|cannot)/.test(l) ? log(l) : undefined)})
  log(`node image ${res.image} ${res.built ? `built in ${Date.now() - t0} ms` : 'already present'}`)
  return res.image
}

export interface TestNodeOptions {
  name: string
  image: string
  podCIDR: string
  env?: string[]
  memoryBytes?: number
}

/**
 * Starts a node container that runs only the entrypoint's fix-ups and containerd (`sleep infinity` instead of the
 * components), with the same security settings, tmpfs mounts and /var/lib/containerd volume the provider uses.
 */
export async function startTestNode(o: TestNodeOptions): Promise<Docker.Container> {
  await removeTestNode(o.name)
  const c = await docker.createContainer({
    name: o.name,
    Hostname: o.name,
    Image: o.image,
    Cmd: ['sleep', 'infinity'],
    Env: [`SKIFF_NODE_NAME=${o.name}`, `SKIFF_POD_CIDR=${o.podCIDR}`, 'SKIFF_CLUSTER_CIDR=10.244.0.0/16', ...(o.env ?? [])],
    Labels: {[TEST_LABEL]: 'cri'},
    Volumes: {'/var/lib/containerd': {}},
    HostConfig: {...FALLBACK_SECURITY, Tmpfs: {'/run': 'rw,exec', '/tmp': 'rw,exec'}, Memory: o.memoryBytes ?? 1024 * 1024 * 1024},
  })
  await c.start()
  return c
}

/** Removes the node container and its anonymous volume; a missing container is fine. */
export async function removeTestNode(name: string): Promise<void> {
  await docker
    .getContainer(name)
    .remove({force: true, v: true})
    .catch(() => {})
}

/** `docker exec` in the node; rejects with stderr on a non-zero exit. */
export async function nodeExec(name: string, cmd: string[], input?: string): Promise<string> {
  if (input === undefined) {
    const {stdout} = await execFileP('docker', ['exec', name, ...cmd], {maxBuffer: 16 * 1024 * 1024})
    return stdout
  }
  return pipeInto('sh', ['-c', 'docker exec -i "$0" "$@"', name, ...cmd], input)
}

/** Copies a host image into the node's containerd (k8s.io namespace): `docker save | ctr images import`. */
export function importImage(name: string, image: string): Promise<string> {
  return pipeInto('sh', ['-c', 'docker save "$1" | docker exec -i "$2" ctr -n k8s.io images import -', 'sh', image, name])
}

function pipeInto(cmd: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, {stdio: ['pipe', 'pipe', 'pipe']})
    let out = ''
    let err = ''
    p.stdout.on('data', (b) => (out += b))
    p.stderr.on('data', (b) => (err += b))
    p.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err}`))))
    p.stdin.end(input ?? '')
  })
}
