// Unit tests for securityContext: pod spec → CRI security context (through the docker-shaped request), runAsNonRoot verification and fsGroup volume ownership.
import assert from 'node:assert/strict'
import {mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {containerConfigFromRequest, sandboxConfigFromRequest} from '../../../../src/agent/cri/translate.js'
import {containerRequest, sandboxRequest} from '../../../../src/agent/pods/container-config.js'
import {ConfigError} from '../../../../src/agent/pods/env.js'
import {DEFAULT_MASKED_PATHS, DEFAULT_READONLY_PATHS, podFsUser, verifyRunAsNonRoot} from '../../../../src/agent/pods/security-context.js'
import {setVolumeOwnership} from '../../../../src/agent/pods/volume-ownership.js'
import {prepareVolumes, removePodDir} from '../../../../src/agent/pods/volumes.js'
import type {Container, Pod} from '../../../../src/api/types/workloads.js'

const podWith = (psc: NonNullable<Pod['spec']>['securityContext'], containers: Container[], extra: Partial<NonNullable<Pod['spec']>> = {}): Pod => ({
  metadata: {name: 'web', namespace: 'shop', uid: 'u-1'},
  spec: {securityContext: psc, containers, ...extra},
})

function criSecurity(pod: Pod, c: Container) {
  const req = containerRequest(pod, c, {sandboxID: 'sb1', type: 'app', restartCount: 0, env: new Map(), volumes: new Map()})
  return containerConfigFromRequest(req).linux?.securityContext
}

describe('agent: securityContext → CRI', () => {
  it('adds supplementalGroups then fsGroup to every container and the sandbox; user and group from the pod unless the container says', () => {
    const pod = podWith({fsGroup: 2000, supplementalGroups: [3000, 2000], runAsUser: 1000, runAsGroup: 1500}, [{name: 'a'}, {name: 'b', securityContext: {runAsUser: 42}}])
    const a = criSecurity(pod, pod.spec!.containers[0])
    assert.deepEqual(a?.supplementalGroups, [3000, 2000])
    assert.deepEqual(a?.runAsUser, {value: 1000})
    assert.deepEqual(a?.runAsGroup, {value: 1500})
    assert.deepEqual(criSecurity(pod, pod.spec!.containers[1])?.runAsUser, {value: 42})
    const sb = sandboxConfigFromRequest(sandboxRequest(pod, 0)).linux?.securityContext
    assert.deepEqual(sb?.supplementalGroups, [3000, 2000])
    assert.deepEqual(sb?.runAsUser, {value: 1000})
    assert.deepEqual(sb?.runAsGroup, {value: 1500})
    assert.deepEqual(sb?.seccomp, {profileType: 'Unconfined'})
  })

  it('leaves groups and user out when the pod names none', () => {
    const sc = criSecurity(podWith(undefined, [{name: 'a'}]), {name: 'a'})
    assert.equal(sc?.supplementalGroups, undefined)
    assert.equal(sc?.runAsUser, undefined)
    assert.equal(sc?.noNewPrivs, undefined)
    assert.equal(sc?.readonlyRootfs, false)
    assert.equal(sc?.privileged, false)
  })

  it('allowPrivilegeEscalation false → no_new_privs; true or unset → off', () => {
    const p = podWith(undefined, [])
    assert.equal(criSecurity(p, {name: 'a', securityContext: {allowPrivilegeEscalation: false}})?.noNewPrivs, true)
    assert.equal(criSecurity(p, {name: 'a', securityContext: {allowPrivilegeEscalation: true}})?.noNewPrivs, undefined)
  })

  it('readOnlyRootFilesystem and capabilities add/drop (ALL included) pass through', () => {
    const sc = criSecurity(podWith(undefined, []), {name: 'a', securityContext: {readOnlyRootFilesystem: true, capabilities: {add: ['NET_ADMIN'], drop: ['ALL']}}})
    assert.equal(sc?.readonlyRootfs, true)
    assert.deepEqual(sc?.capabilities, {addCapabilities: ['NET_ADMIN'], dropCapabilities: ['ALL']})
  })

  it('seccompProfile: container over pod; RuntimeDefault, Localhost, Unconfined; unset is unconfined; privileged is unconfined', () => {
    const p = podWith({seccompProfile: {type: 'RuntimeDefault'}}, [])
    assert.deepEqual(criSecurity(p, {name: 'a'})?.seccomp, {profileType: 'RuntimeDefault'})
    assert.deepEqual(criSecurity(p, {name: 'a', securityContext: {seccompProfile: {type: 'Unconfined'}}})?.seccomp, {profileType: 'Unconfined'})
    assert.deepEqual(criSecurity(p, {name: 'a', securityContext: {seccompProfile: {type: 'Localhost', localhostProfile: 'p.json'}}})?.seccomp, {profileType: 'Localhost', localhostRef: 'p.json'})
    assert.deepEqual(criSecurity(p, {name: 'a', securityContext: {privileged: true}})?.seccomp, {profileType: 'Unconfined'})
    assert.deepEqual(criSecurity(podWith(undefined, []), {name: 'a'})?.seccomp, {profileType: 'Unconfined'})
  })

  it('procMount Default masks and write-protects the usual /proc paths; Unmasked and privileged mask nothing', () => {
    const p = podWith(undefined, [])
    const def = criSecurity(p, {name: 'a'})
    assert.deepEqual(def?.maskedPaths, DEFAULT_MASKED_PATHS)
    assert.deepEqual(def?.readonlyPaths, DEFAULT_READONLY_PATHS)
    assert.ok(def?.maskedPaths?.includes('/proc/kcore'))
    assert.deepEqual(criSecurity(p, {name: 'a', securityContext: {procMount: 'Unmasked'}})?.maskedPaths, [])
    const priv = criSecurity(p, {name: 'a', securityContext: {privileged: true}})
    assert.equal(priv?.privileged, true)
    assert.deepEqual(priv?.maskedPaths, [])
    // containerd refuses a privileged container in a sandbox that is not privileged.
    assert.equal(sandboxConfigFromRequest(sandboxRequest(podWith(undefined, [{name: 'a', securityContext: {privileged: true}}]), 0)).linux?.securityContext?.privileged, true)
    assert.equal(sandboxConfigFromRequest(sandboxRequest(podWith(undefined, [{name: 'a'}]), 0)).linux?.securityContext?.privileged, undefined)
  })

  it('podFsUser: the one uid every container runs as, else none', () => {
    assert.equal(podFsUser(podWith({runAsUser: 7}, [{name: 'a'}, {name: 'b'}])), 7)
    assert.equal(podFsUser(podWith({runAsUser: 7}, [{name: 'a'}, {name: 'b', securityContext: {runAsUser: 8}}])), undefined)
    assert.equal(podFsUser(podWith(undefined, [{name: 'a', securityContext: {runAsUser: 8}}, {name: 'b'}])), undefined)
  })
})

describe('agent: runAsNonRoot', () => {
  const c: Container = {name: 'app'}
  const where = '(pod: "web_shop(u-1)", container: app)'
  const check = (psc: NonNullable<Pod['spec']>['securityContext'], sc: Container['securityContext'], image: {uid?: number; username?: string} | undefined) => () =>
    verifyRunAsNonRoot(podWith(psc, [c]), {...c, securityContext: sc}, image)

  it('refuses an image that runs as root (uid 0, or no user at all) with the kubelet\'s message', () => {
    assert.throws(check({runAsNonRoot: true}, undefined, {uid: 0}), (e: Error) => e instanceof ConfigError && e.message === `container has runAsNonRoot and image will run as root ${where}`)
    assert.throws(check(undefined, {runAsNonRoot: true}, {}), /image will run as root/)
    assert.throws(check(undefined, {runAsNonRoot: true}, undefined), /image will run as root/)
  })

  it('refuses runAsUser 0 and a non-numeric image user', () => {
    assert.throws(check({runAsNonRoot: true, runAsUser: 0}, undefined, {uid: 1000}), {message: `container's runAsUser breaks non-root policy ${where}`})
    assert.throws(check({runAsNonRoot: true}, undefined, {username: 'nginx'}), {message: `container has runAsNonRoot and image has non-numeric user (nginx), cannot verify user is non-root ${where}`})
  })

  it('accepts a non-root runAsUser (whatever the image), a non-root image uid, and containers that allow root', () => {
    check({runAsNonRoot: true, runAsUser: 1000}, undefined, {uid: 0})()
    check({runAsNonRoot: true}, undefined, {uid: 65534})()
    check({runAsNonRoot: true}, {runAsNonRoot: false}, {uid: 0})()
    check(undefined, undefined, {uid: 0})()
  })
})

describe('agent: fsGroup volume ownership', () => {
  let root: string
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'skiff-own-'))
  })
  afterEach(() => rmSync(root, {recursive: true, force: true}))
  const lookup = {configMap: () => undefined, secret: (_ns: string, name: string) => (name === 'creds' ? {token: 's3cret'} : undefined)}

  it('gives files group fsGroup with rw bits (ro for read-only volumes) and directories setgid, keeping owners', async () => {
    const dir = join(root, 'v')
    mkdirSync(join(dir, 'sub'), {recursive: true, mode: 0o700})
    writeFileSync(join(dir, 'sub', 'f'), 'x', {mode: 0o600})
    assert.equal(await setVolumeOwnership(dir, 2000), true)
    const f = statSync(join(dir, 'sub', 'f'))
    assert.equal(f.gid, 2000)
    assert.equal(f.mode & 0o7777, 0o660)
    assert.equal(statSync(join(dir, 'sub')).mode & 0o7777, 0o2770)
    const ro = join(root, 'ro')
    mkdirSync(ro)
    writeFileSync(join(ro, 'g'), 'x', {mode: 0o600})
    await setVolumeOwnership(ro, 2000, {readOnly: true})
    assert.equal(statSync(join(ro, 'g')).mode & 0o7777, 0o640)
    assert.equal(await setVolumeOwnership(dir, undefined), false)
  })

  it('OnRootMismatch skips a volume whose root already matches, Always walks it again', async () => {
    const dir = join(root, 'v')
    mkdirSync(dir)
    await setVolumeOwnership(dir, 2000)
    writeFileSync(join(dir, 'later'), 'x', {mode: 0o600})
    assert.equal(await setVolumeOwnership(dir, 2000, {policy: 'OnRootMismatch'}), false)
    assert.equal(statSync(join(dir, 'later')).mode & 0o777, 0o600)
    assert.equal(await setVolumeOwnership(dir, 2001, {policy: 'OnRootMismatch'}), true)
    assert.equal(statSync(join(dir, 'later')).gid, 2001)
  })

  it('prepareVolumes: emptyDir 2777 group fsGroup; secret files group-readable (0400 → 0440) and not rewritten on the next sync', async () => {
    const pod = podWith({fsGroup: 2000}, [{name: 'a'}], {
      volumes: [
        {name: 'data', emptyDir: {}},
        {name: 'creds', secret: {secretName: 'creds', defaultMode: 0o400}},
      ],
    })
    const vols = await prepareVolumes(pod, root, lookup, {})
    const data = statSync(vols.get('data')!)
    assert.equal(data.gid, 2000)
    assert.equal(data.mode & 0o7777, 0o2777)
    const token = statSync(join(vols.get('creds')!, 'token'))
    assert.equal(token.gid, 2000)
    assert.equal(token.mode & 0o777, 0o440)
    const payloadBefore = statSync(join(vols.get('creds')!, '..data')).ino
    await prepareVolumes(pod, root, lookup, {})
    assert.equal(statSync(join(vols.get('creds')!, '..data')).ino, payloadBefore)
    assert.equal(statSync(vols.get('data')!).mode & 0o7777, 0o2777)
    await removePodDir(root, 'u-1')
  })

  it('projected token: 0600 given to the pod\'s one uid, 0640 with fsGroup; other projected files keep the default mode plus group read', async () => {
    const tokens = {token: async () => 'jwt'}
    const vol = {name: 'tok', projected: {defaultMode: 0o644, sources: [{serviceAccountToken: {path: 'token'}}, {secret: {name: 'creds', items: [{key: 'token', path: 's'}]}}]}}
    const pod = podWith({fsGroup: 2000, runAsUser: 1000}, [{name: 'a'}], {volumes: [vol]})
    const dir = (await prepareVolumes(pod, root, lookup, {}, tokens)).get('tok')!
    const tok = statSync(join(dir, 'token'))
    assert.equal(tok.mode & 0o777, 0o640)
    assert.equal(tok.uid, 1000)
    assert.equal(tok.gid, 2000)
    assert.equal(statSync(join(dir, 's')).mode & 0o777, 0o644)
    assert.equal(statSync(join(dir, 's')).gid, 2000)
    assert.equal(statSync(join(dir, '..data')).gid, 2000)
    const plain = podWith(undefined, [{name: 'a'}], {volumes: [vol]})
    const root2 = mkdtempSync(join(tmpdir(), 'skiff-own-'))
    try {
      const d2 = (await prepareVolumes({...plain, metadata: {...plain.metadata, uid: 'u-2'}}, root2, lookup, {}, tokens)).get('tok')!
      assert.equal(statSync(join(d2, 'token')).mode & 0o777, 0o644)
      assert.equal(statSync(join(d2, 'token')).uid, 0)
    } finally {
      rmSync(root2, {recursive: true, force: true})
    }
  })

  it('prepareVolumes: a claim bound to a local volume is given to fsGroup (OnRootMismatch honoured); a hostPath one is left alone, as the kubelet', async () => {
    const local = join(root, 'disk')
    const host = join(root, 'hp')
    mkdirSync(local)
    mkdirSync(host)
    writeFileSync(join(local, 'db'), 'x', {mode: 0o600})
    const claim = (name: string, pv: string) => ({metadata: {name, namespace: 'shop', uid: `c-${name}`}, spec: {volumeName: pv}, status: {phase: 'Bound'}})
    const pvs: Record<string, object> = {
      'pv-local': {metadata: {name: 'pv-local'}, spec: {local: {path: local}, claimRef: {namespace: 'shop', name: 'loc'}}},
      'pv-host': {metadata: {name: 'pv-host'}, spec: {hostPath: {path: host}, claimRef: {namespace: 'shop', name: 'hp'}}},
    }
    const l = {...lookup, claim: (_ns: string, n: string) => claim(n, n === 'loc' ? 'pv-local' : 'pv-host') as never, volume: (n: string) => pvs[n] as never}
    const pod = podWith({fsGroup: 2000, fsGroupChangePolicy: 'OnRootMismatch'}, [{name: 'a'}], {
      volumes: [
        {name: 'loc', persistentVolumeClaim: {claimName: 'loc'}},
        {name: 'hp', persistentVolumeClaim: {claimName: 'hp'}},
      ],
    })
    await prepareVolumes(pod, root, l, {})
    assert.equal(statSync(local).gid, 2000)
    assert.equal(statSync(local).mode & 0o2000, 0o2000)
    assert.equal(statSync(join(local, 'db')).mode & 0o777, 0o660)
    assert.equal(statSync(host).gid, 0)
    await removePodDir(root, 'u-1')
  })

  it('prepareVolumes without fsGroup keeps the modes asked for and root ownership', async () => {
    const pod = podWith(undefined, [{name: 'a'}], {volumes: [{name: 'creds', secret: {secretName: 'creds', defaultMode: 0o400}}, {name: 'data', emptyDir: {}}]})
    const vols = await prepareVolumes(pod, root, lookup, {})
    assert.equal(statSync(join(vols.get('creds')!, 'token')).mode & 0o777, 0o400)
    assert.equal(statSync(vols.get('data')!).mode & 0o7777, 0o777)
  })
})
