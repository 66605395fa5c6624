// Tests of capacity discovery: cgroup v1/v2 limit parsing and Kubernetes quantity formatting.
import assert from 'node:assert/strict'
import {computeCapacity, cpuFromCfs, formatBytes, formatCpu, parseCpuMax, parseMemoryLimit, parseProcCgroup, readCgroupLimits} from '../../../src/agent/capacity.js'

const GiB = 1024 ** 3

describe('capacity', () => {
  it('formats bytes as canonical BinarySI quantities', () => {
    assert.equal(formatBytes(24 * GiB), '24Gi')
    assert.equal(formatBytes(24576 * 1024 ** 2 + 1024), '25165825Ki')
    assert.equal(formatBytes(512 * 1024 ** 2), '512Mi')
    assert.equal(formatBytes(16786681856), '16393244Ki')
    assert.equal(formatBytes(1000), '1000')
    assert.equal(formatBytes(1025), '1025')
  })

  it('formats CPU as whole cores or millicores', () => {
    assert.equal(formatCpu(2), '2')
    assert.equal(formatCpu(1.5), '1500m')
    assert.equal(formatCpu(0.25), '250m')
  })

  it('parses cgroup v2 cpu.max and memory.max', () => {
    assert.equal(parseCpuMax('max 100000\n'), undefined)
    assert.equal(parseCpuMax('150000 100000\n'), 1.5)
    assert.equal(parseMemoryLimit('max\n', 24 * GiB), undefined)
    assert.equal(parseMemoryLimit('536870912\n', 24 * GiB), 512 * 1024 ** 2)
  })

  it('treats v1 "no limit" values as unlimited', () => {
    assert.equal(cpuFromCfs(-1, 100000), undefined)
    assert.equal(cpuFromCfs(200000, 100000), 2)
    assert.equal(parseMemoryLimit('9223372036854771712', 24 * GiB), undefined)
  })

  it('parses /proc/self/cgroup for both versions', () => {
    assert.deepEqual(parseProcCgroup('0::/\n'), [{controllers: [], path: '/'}])
    assert.deepEqual(parseProcCgroup('4:memory:/docker/abc\n3:cpu,cpuacct:/docker/abc\n'), [
      {controllers: ['memory'], path: '/docker/abc'},
      {controllers: ['cpu', 'cpuacct'], path: '/docker/abc'},
    ])
  })

  it('reads the container cgroup under the remounted v1 tree before the root', () => {
    const files: Record<string, string> = {
      '/proc/self/cgroup': '5:memory:/docker/abc\n4:cpu,cpuacct:/docker/abc\n',
      '/sys/fs/cgroup/memory/memory.limit_in_bytes': '9223372036854771712',
      '/sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes': String(512 * 1024 ** 2),
      '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us': '-1',
      '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us': '100000',
      '/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us': '100000',
      '/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_period_us': '100000',
    }
    assert.deepEqual(readCgroupLimits((p) => files[p], 24 * GiB), {cpu: 1, memory: 512 * 1024 ** 2})
  })

  it('reads cgroup v2 limits at the root when the container has its own namespace', () => {
    const files: Record<string, string> = {
      '/proc/self/cgroup': '0::/\n',
      '/sys/fs/cgroup/cgroup.controllers': 'cpu memory pids',
      '/sys/fs/cgroup/cpu.max': '200000 100000',
      '/sys/fs/cgroup/memory.max': 'max',
    }
    assert.deepEqual(readCgroupLimits((p) => files[p], 24 * GiB), {cpu: 2, memory: undefined})
  })

  it('computes capacity from limits, falling back to the machine', () => {
    assert.deepEqual(computeCapacity({limits: {cpu: 1.5, memory: 4 * GiB}, hostCpus: 2, hostMemory: 24 * GiB, ephemeralStorage: 100 * GiB}), {
      cpu: '1500m',
      memory: '4Gi',
      pods: '110',
      'hugepages-1Gi': '0',
      'hugepages-2Mi': '0',
      'ephemeral-storage': '100Gi',
    })
    const fallback = computeCapacity({limits: {}, hostCpus: 2, hostMemory: 24 * GiB})
    assert.equal(fallback.cpu, '2')
    assert.equal(fallback.memory, '24Gi')
    assert.equal(computeCapacity({limits: {cpu: 8}, hostCpus: 2, hostMemory: GiB}).cpu, '2', 'a quota above the CPU count is capped')
  })
})
