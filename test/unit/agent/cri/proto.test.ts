// Unit tests for the CRI message definitions: wire bytes of hand-checked messages (field numbers and types), enum and int64 decoding.
import assert from 'node:assert/strict'
import {criRoot, IMAGE_METHODS, RUNTIME_METHODS} from '../../../../src/agent/cri/proto.js'

const root = criRoot()
const type = (name: string) => root.lookupType(`runtime.v1.${name}`)
const encode = (name: string, value: object) => Buffer.from(type(name).encode(type(name).fromObject(value)).finish()).toString('hex')
const decode = (name: string, hex: string) => type(name).toObject(type(name).decode(Buffer.from(hex, 'hex')), {longs: Number, enums: String, defaults: true})

describe('CRI v1 message definitions', () => {
  it('encodes request fields with the CRI field numbers', () => {
    // field 1 (pod_sandbox_id), wire type 2: tag 0x0a.
    assert.equal(encode('StopPodSandboxRequest', {podSandboxId: 'ab'}), '0a026162')
    // container_id = 1, timeout (int64) = 2: tags 0x0a and 0x10.
    assert.equal(encode('StopContainerRequest', {containerId: 'c', timeout: 30}), '0a0163101e')
    // ExecSync: cmd is repeated field 2 (0x12), timeout field 3 (0x18).
    assert.equal(encode('ExecSyncRequest', {containerId: 'c', cmd: ['a', 'b'], timeout: 5}), '0a01631201611201621805')
    // PodSandboxConfig.metadata is field 1, metadata.uid field 2, linux (8).cgroup_parent (1).
    assert.equal(encode('PodSandboxConfig', {metadata: {uid: 'u'}, linux: {cgroupParent: '/p'}}), `0a031201754204 0a022f70`.replace(' ', ''))
    // A map entry is a nested message: key = 1, value = 2; PodSandboxConfig.labels is field 6 (0x32).
    assert.equal(encode('PodSandboxConfig', {labels: {k: 'v'}}), '32060a016b120176')
    // ContainerConfig: image (2) → ImageSpec.image (1); log_path is 11 (0x5a); linux (15, 0x7a) → resources (1) → memory (4).
    assert.equal(encode('ContainerConfig', {image: {image: 'x'}, logPath: 'l'}), '12030a01785a016c')
    assert.equal(encode('ContainerConfig', {linux: {resources: {memoryLimitInBytes: 1024}}}), '7a050a03208008')
  })

  it('decodes responses: enums by name, int64 as numbers, absent fields as defaults', () => {
    // ContainerStatus: id (1) "c", state (3) = 2 EXITED, started_at (5) = 1700000000000000000, exit_code (7) = 137, reason (10) "OOMKilled".
    const started = 1_700_000_000_000_000_000n
    const varint = (n: bigint) => {
      const out: number[] = []
      while (n > 0x7fn) {
        out.push(Number((n & 0x7fn) | 0x80n))
        n >>= 7n
      }
      out.push(Number(n))
      return Buffer.from(out).toString('hex')
    }
    const hex = `0a0163 1802 28${varint(started)} 388901 5209${Buffer.from('OOMKilled').toString('hex')}`.replace(/ /g, '')
    const st = decode('ContainerStatus', hex)
    assert.equal(st.id, 'c')
    assert.equal(st.state, 'CONTAINER_EXITED')
    assert.equal(st.startedAt, Number(started))
    assert.equal(st.exitCode, 137)
    assert.equal(st.reason, 'OOMKilled')
    assert.equal(st.finishedAt, 0)
    // The zero enum value is the default when absent.
    assert.equal(decode('PodSandboxStatus', '').state, 'SANDBOX_READY')
  })

  it('resolves every method of both services to declared messages', () => {
    for (const [service, table] of [
      ['RuntimeService', RUNTIME_METHODS],
      ['ImageService', IMAGE_METHODS],
    ] as const) {
      const svc = root.lookupService(`runtime.v1.${service}`)
      for (const [method, [req, res]] of Object.entries(table)) {
        const m = svc.methods[method]
        m.resolve()
        assert.equal(m.resolvedRequestType?.name, req)
        assert.equal(m.resolvedResponseType?.name, res)
      }
    }
  })
})
