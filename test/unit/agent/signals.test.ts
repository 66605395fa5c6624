// Tests of the eviction signal sampler against fake cgroup trees, /proc files and statfs answers.
import assert from 'node:assert/strict'
import {fsObservations, memoryObservation, nodeCgroupPath, parseKeyValues, pidObservation, sampleSignals, type StatFs} from '../../../src/agent/signals.js'

const GiB = 1024 ** 3
const MiB = 1024 ** 2
const fakeRead = (files: Record<string, string>) => async (path: string) => files[path]

const MEMINFO = `MemTotal:       25000000 kB
MemFree:        20000000 kB
MemAvailable:   22000000 kB
Inactive(file):  1000000 kB
`

describe('eviction signals', () => {
  it('parses memory.stat and /proc/meminfo lines (kB in bytes)', () => {
    const stat = parseKeyValues('anon 100\ninactive_file 2048\ntotal_inactive_file 4096\n')
    assert.equal(stat.get('inactive_file'), 2048)
    assert.equal(stat.get('total_inactive_file'), 4096)
    const mi = parseKeyValues(MEMINFO)
    assert.equal(mi.get('MemTotal'), 25000000 * 1024)
    assert.equal(mi.get('Inactive(file)'), 1000000 * 1024)
  })

  it('finds the node cgroup from the pods parent the entrypoint wrote, else from /proc/self/cgroup', async () => {
    assert.equal(await nodeCgroupPath(fakeRead({'/run/skiff/cgroup-parent': '/docker/abc/pods\n'}), 'memory'), '/docker/abc')
    assert.equal(await nodeCgroupPath(fakeRead({'/run/skiff/cgroup-parent': '/pods\n'}), ''), '/')
    assert.equal(await nodeCgroupPath(fakeRead({'/proc/self/cgroup': '4:memory:/docker/x\n0::/init\n'}), 'memory'), '/docker/x')
  })

  it('cgroup v2 with a limit: capacity minus (memory.current - inactive_file) of the node cgroup', async () => {
    const read = fakeRead({
      '/sys/fs/cgroup/cgroup.controllers': 'cpu memory pids',
      '/run/skiff/cgroup-parent': '/pods',
      '/sys/fs/cgroup/memory.max': String(4 * GiB),
      '/sys/fs/cgroup/memory.current': String(3 * GiB),
      '/sys/fs/cgroup/memory.stat': `anon ${2 * GiB}\ninactive_file ${512 * MiB}\n`,
    })
    assert.deepEqual(await memoryObservation({read, memoryCapacity: 4 * GiB, totalRam: 16 * GiB}), {available: 4 * GiB - (3 * GiB - 512 * MiB), capacity: 4 * GiB})
  })

  it('cgroup v1 with a limit: usage_in_bytes minus total_inactive_file under the memory hierarchy', async () => {
    const dir = '/sys/fs/cgroup/memory/docker/abc'
    const read = fakeRead({
      '/run/skiff/cgroup-parent': '/docker/abc/pods',
      [`${dir}/memory.limit_in_bytes`]: String(2 * GiB),
      [`${dir}/memory.usage_in_bytes`]: String(GiB + 100 * MiB),
      [`${dir}/memory.stat`]: `total_inactive_file ${100 * MiB}\n`,
    })
    assert.deepEqual(await memoryObservation({read, memoryCapacity: 2 * GiB, totalRam: 16 * GiB}), {available: GiB, capacity: 2 * GiB})
  })

  it('no limit: the whole machine counts (/proc/meminfo: total - free - inactive file)', async () => {
    const dir = '/sys/fs/cgroup/memory/docker/abc'
    const read = fakeRead({
      '/run/skiff/cgroup-parent': '/docker/abc/pods',
      [`${dir}/memory.limit_in_bytes`]: '9223372036854771712',
      '/proc/meminfo': MEMINFO,
    })
    const capacity = 25000000 * 1024
    const obs = await memoryObservation({read, memoryCapacity: capacity, totalRam: capacity})
    assert.deepEqual(obs, {available: capacity - (25000000 - 20000000 - 1000000) * 1024, capacity})
    assert.equal(await memoryObservation({read: fakeRead({}), memoryCapacity: capacity}), undefined, 'nothing readable: no observation')
  })

  it('PIDs: the node cgroup pids.max when set, else pid_max minus the threads in /proc/loadavg', async () => {
    const limited = fakeRead({'/run/skiff/cgroup-parent': '/docker/abc/pods', '/sys/fs/cgroup/pids/docker/abc/pids.max': '1000\n', '/sys/fs/cgroup/pids/docker/abc/pids.current': '28\n'})
    assert.deepEqual(await pidObservation({read: limited}), {available: 972, capacity: 1000})
    const open = fakeRead({'/run/skiff/cgroup-parent': '/docker/abc/pods', '/sys/fs/cgroup/pids/docker/abc/pids.max': 'max\n', '/sys/fs/cgroup/pids/docker/abc/pids.current': '28\n', '/proc/sys/kernel/pid_max': '4194304\n', '/proc/loadavg': '4.84 4.60 3.01 3/344 4422\n'})
    assert.deepEqual(await pidObservation({read: open}), {available: 4194304 - 344, capacity: 4194304})
  })

  it('disk: available blocks (not free ones) and free inodes from statfs; no inode signal when the filesystem has none', async () => {
    const statfs: StatFs = async (path) => (path === '/data' ? {bsize: 4096, blocks: 1000, bavail: 100, files: 500, ffree: 20} : path === '/tmpfs' ? {bsize: 4096, blocks: 10, bavail: 5, files: 0, ffree: 0} : undefined)
    assert.deepEqual(await fsObservations(statfs, '/data'), {bytes: {available: 409600, capacity: 4096000}, inodes: {available: 20, capacity: 500}})
    assert.deepEqual(await fsObservations(statfs, '/tmpfs'), {bytes: {available: 20480, capacity: 40960}})
    assert.equal(await fsObservations(statfs, '/missing'), undefined)
  })

  it('samples every signal it can read, and leaves out the ones it cannot', async () => {
    const statfs: StatFs = async (path) => (path === '/var/lib/skiff' ? {bsize: 1024, blocks: 100, bavail: 50, files: 10, ffree: 5} : undefined)
    const obs = await sampleSignals({read: fakeRead({'/proc/meminfo': MEMINFO}), statfs, memoryCapacity: 25000000 * 1024, totalRam: 25000000 * 1024})
    assert.deepEqual(Object.keys(obs).sort(), ['memory.available', 'nodefs.available', 'nodefs.inodesFree'])
  })
})
