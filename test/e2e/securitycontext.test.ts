// End to end: pod and container securityContext fields applied by the agent through containerd's CRI, on a one-node cluster driven by real kubectl (issue 12).
import assert from 'node:assert/strict'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {deleteClusterHard, kubectlFor, skiff} from '../helpers/cli.js'
import {ensureBusyboxImage} from '../helpers/images.js'
import {waitFor} from '../helpers/wait.js'

const name = `sc${process.pid % 100000}`
const IMAGE = 'skiff/busybox:test'
const SLEEP = '["sh", "-c", "sleep 3600"]'

const container = (n: string, sc: string) => `    - name: ${n}
      image: ${IMAGE}
      imagePullPolicy: IfNotPresent
      command: ${SLEEP}
      volumeMounts: [{name: data, mountPath: /data}, {name: creds, mountPath: /creds}]
      securityContext: ${sc}
`

/** One pod, one container per setting under test, sharing the pod's fsGroup and volumes. */
const securePod = `apiVersion: v1
kind: Pod
metadata: {name: secure}
spec:
  terminationGracePeriodSeconds: 1
  securityContext: {fsGroup: 2000, supplementalGroups: [3000]}
  volumes:
    - {name: data, emptyDir: {}}
    - {name: creds, secret: {secretName: creds, defaultMode: 0400}}
  containers:
${container('plain', '{}')}${container('nnp', '{allowPrivilegeEscalation: false}')}${container('ro', '{readOnlyRootFilesystem: true}')}${container('nocaps', '{capabilities: {drop: [ALL]}}')}${container('user', '{runAsUser: 1000, runAsGroup: 1000}')}${container('seccomp', '{seccompProfile: {type: RuntimeDefault}}')}`

const nonRootPod = (n: string, sc: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${n}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: app
      image: ${IMAGE}
      imagePullPolicy: IfNotPresent
      command: ${SLEEP}
      securityContext: ${sc}
`

const envPod = (n: string, links: boolean) => `apiVersion: v1
kind: Pod
metadata: {name: ${n}}
spec:
  terminationGracePeriodSeconds: 1
  enableServiceLinks: ${links}
  containers:
    - name: app
      image: ${IMAGE}
      imagePullPolicy: IfNotPresent
      command: ${SLEEP}
`

describe('securityContext (end to end)', function () {
  this.timeout(900_000)
  let dir: string
  let kubeconfig: string
  let k: ReturnType<typeof kubectlFor>

  const apply = async (yaml: string) => {
    const r = await k.run(['apply', '-f', '-'], yaml)
    assert.equal(r.code, 0, r.stderr)
  }
  const sh = async (pod: string, c: string, script: string) => k.run(['exec', pod, '-c', c, '--', 'sh', '-c', script])
  const out = async (pod: string, c: string, script: string) => {
    const r = await sh(pod, c, script)
    assert.equal(r.code, 0, `${c}: ${script}: ${r.stderr}`)
    return r.stdout
  }
  const running = (pod: string) =>
    waitFor(`${pod} running`, async () => {
      const p = await k.json(['get', 'pod', pod])
      return p.status?.phase === 'Running' && (p.status.containerStatuses ?? []).every((s: any) => s.state?.running) && p
    }, 120_000, 500)

  before(async () => {
    await ensureBusyboxImage(IMAGE)
    dir = await mkdtemp(join(tmpdir(), 'skiff-sc-'))
    kubeconfig = join(dir, 'config')
    k = kubectlFor(kubeconfig, join(dir, 'cache'))
    const config = join(dir, 'cluster.yaml')
    await writeFile(config, 'apiVersion: skiff.dev/v1alpha1\nkind: Cluster\nnodes:\n  - role: control-plane\nnetworking:\n  ingressHTTPPort: 0\n  ingressHTTPSPort: 0\n')
    const res = await skiff(['cluster', 'create', name, '--config', config, '--kubeconfig', kubeconfig, '--no-switch-context'], {timeoutMs: 580_000})
    assert.equal(res.code, 0, `cluster create failed:\n${res.stdout}\n${res.stderr}`)
    const load = await skiff(['image', 'load', IMAGE, '--name', name])
    assert.equal(load.code, 0, load.stderr)
    assert.equal((await k.run(['create', 'secret', 'generic', 'creds', '--from-literal=token=s3cret'])).code, 0)
    await apply(securePod)
    await running('secure')
  })

  after(async () => {
    await deleteClusterHard(name, kubeconfig)
    if (dir) await rm(dir, {recursive: true, force: true})
  })

  it('fsGroup: the emptyDir belongs to group 2000 with setgid, and every process has groups 2000 and 3000', async () => {
    assert.match(await out('secure', 'plain', 'stat -c "%g %A" /data'), /^2000 drwxrwsrwx/)
    const ids = await out('secure', 'user', 'id')
    assert.match(ids, /uid=1000 gid=1000/)
    assert.match(ids, /groups=.*\b2000\b/)
    assert.match(ids, /groups=.*\b3000\b/)
    // A file a non-root container creates inherits the volume's group (setgid), so every container can share it.
    assert.match(await out('secure', 'user', 'touch /data/f && stat -c %g /data/f'), /^2000/)
  })

  it('fsGroup: secret files are group 2000 and group-readable (0400 becomes 0440); a non-root member of the group reads them', async () => {
    assert.match(await out('secure', 'plain', 'stat -L -c "%g %a" /creds/token'), /^2000 440/)
    assert.equal(await out('secure', 'user', 'cat /creds/token'), 's3cret')
  })

  it('allowPrivilegeEscalation: false sets NoNewPrivs; unset leaves it off', async () => {
    assert.match(await out('secure', 'nnp', 'grep NoNewPrivs /proc/self/status'), /NoNewPrivs:\s+1/)
    assert.match(await out('secure', 'plain', 'grep NoNewPrivs /proc/self/status'), /NoNewPrivs:\s+0/)
  })

  it('readOnlyRootFilesystem: writing to / fails, volumes stay writable', async () => {
    const r = await sh('secure', 'ro', 'touch /x')
    assert.notEqual(r.code, 0)
    assert.match(r.stderr + r.stdout, /Read-only file system/)
    await out('secure', 'ro', 'touch /data/ro-ok')
    assert.equal((await sh('secure', 'plain', 'touch /x')).code, 0)
  })

  it('capabilities.drop ALL: CapEff is 0; the default set is not', async () => {
    assert.match(await out('secure', 'nocaps', 'grep CapEff /proc/self/status'), /CapEff:\s+0{16}/)
    assert.doesNotMatch(await out('secure', 'plain', 'grep CapEff /proc/self/status'), /CapEff:\s+0{16}/)
  })

  it('seccompProfile RuntimeDefault filters syscalls (Seccomp: 2); default is unconfined (0)', async () => {
    assert.match(await out('secure', 'seccomp', 'grep "^Seccomp:" /proc/self/status'), /Seccomp:\s+2/)
    assert.match(await out('secure', 'plain', 'grep "^Seccomp:" /proc/self/status'), /Seccomp:\s+0/)
  })

  it('procMount Default masks /proc/keys (with /dev/null) and /sys/firmware, and makes /proc/sys read-only', async () => {
    assert.match(await out('secure', 'plain', 'stat -c %F /proc/keys'), /character special file/)
    assert.equal((await out('secure', 'plain', 'ls -A /sys/firmware')).trim(), '')
    assert.match(await out('secure', 'plain', 'grep " /proc/sys " /proc/self/mounts'), /\bro\b/)
  })

  it('runAsNonRoot with a root image or runAsUser 0: CreateContainerConfigError with the kubelet\'s message', async () => {
    await apply(nonRootPod('nonroot', '{runAsNonRoot: true}'))
    await apply(nonRootPod('rootuser', '{runAsNonRoot: true, runAsUser: 0}'))
    await apply(nonRootPod('nonroot-ok', '{runAsNonRoot: true, runAsUser: 1000}'))
    const waiting = (pod: string) =>
      waitFor(`${pod} waiting`, async () => {
        const p = await k.json(['get', 'pod', pod])
        const w = p.status?.containerStatuses?.[0]?.state?.waiting
        return w?.reason === 'CreateContainerConfigError' && {w, uid: p.metadata.uid}
      }, 120_000, 500)
    const a = await waiting('nonroot')
    assert.equal(a.w.message, `container has runAsNonRoot and image will run as root (pod: "nonroot_default(${a.uid})", container: app)`)
    const b = await waiting('rootuser')
    assert.equal(b.w.message, `container's runAsUser breaks non-root policy (pod: "rootuser_default(${b.uid})", container: app)`)
    await running('nonroot-ok')
    const events = await k.run(['get', 'events', '--field-selector', 'involvedObject.name=nonroot'])
    assert.match(events.stdout, /Error: container has runAsNonRoot and image will run as root/)
  })

  it('privileged: runs in a privileged sandbox with every capability the node has, /proc unmasked and writable', async () => {
    await apply(nonRootPod('priv', '{privileged: true}'))
    await running('priv')
    const caps = BigInt(`0x${/CapEff:\s+([0-9a-f]+)/.exec(await out('priv', 'app', 'grep CapEff /proc/self/status'))![1]}`)
    // CAP_SYS_ADMIN (21) and CAP_NET_ADMIN (12) are far outside the default set; CAP_SYS_RESOURCE (24) the node lacks.
    assert.equal((caps >> 21n) & 1n, 1n)
    assert.equal((caps >> 12n) & 1n, 1n)
    assert.doesNotMatch(await out('priv', 'app', 'grep " /proc/sys " /proc/self/mounts || true'), /\bro\b/)
    assert.match(await out('priv', 'app', 'stat -c %F /proc/keys'), /regular/)
  })

  it('enableServiceLinks: false drops the namespace\'s service variables but keeps KUBERNETES_SERVICE_HOST', async () => {
    assert.equal((await k.run(['create', 'service', 'clusterip', 'foo', '--tcp=80:8080'])).code, 0)
    // The agent learns services through its watch: give it a moment before the pods' env is computed.
    await new Promise((r) => setTimeout(r, 2000))
    await apply(envPod('links', true))
    await apply(envPod('nolinks', false))
    await running('links')
    await running('nolinks')
    const withLinks = await out('links', 'app', 'env')
    assert.match(withLinks, /^FOO_SERVICE_HOST=/m)
    assert.match(withLinks, /^FOO_PORT_80_TCP=tcp:\/\//m)
    const without = await out('nolinks', 'app', 'env')
    assert.doesNotMatch(without, /^FOO_/m)
    assert.match(without, /^KUBERNETES_SERVICE_HOST=/m)
    assert.match(without, /^KUBERNETES_PORT_443_TCP=/m)
  })
})
