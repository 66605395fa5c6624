// Tests of eviction thresholds, the pressure transition period and the agent config file that sets them.
import assert from 'node:assert/strict'
import {evictionConfig, readAgentConfigFile} from '../../../src/agent/config.js'
import {DEFAULT_EVICTION_HARD, parseDuration, parseThresholds, PressureTracker, thresholdMet, type Observations} from '../../../src/agent/eviction.js'

const GiB = 1024 ** 3
const MiB = 1024 ** 2

describe('eviction thresholds', () => {
  it('parses the kubelet defaults: 100Mi of memory, 10% and 15% of disk, 5% of inodes', () => {
    const t = parseThresholds(DEFAULT_EVICTION_HARD)
    assert.deepEqual(t.map((x) => [x.signal, x.quantity, x.fraction]), [
      ['memory.available', 100 * MiB, undefined],
      ['nodefs.available', undefined, 0.1],
      ['imagefs.available', undefined, 0.15],
      ['nodefs.inodesFree', undefined, 0.05],
    ])
  })

  it('turns a signal off with 0%, 100%, 0 or an empty value, and rejects unknown signals, negatives and garbage', () => {
    assert.deepEqual(parseThresholds({'nodefs.available': '0%', 'imagefs.available': '100%', 'memory.available': '0', 'pid.available': ''}), [])
    assert.throws(() => parseThresholds({'cpu.available': '1'}), /unsupported eviction signal "cpu.available"/)
    assert.throws(() => parseThresholds({'memory.available': '-1Mi'}), /cannot be negative/)
    assert.throws(() => parseThresholds({'nodefs.available': '120%'}), /invalid percentage/)
    assert.throws(() => parseThresholds({'nodefs.available': 'lots'}), /not a quantity or percentage/)
    assert.throws(() => parseThresholds({'nodefs.available': 10}), /must be a string/)
  })

  it('is met when the threshold is above what is available, a percentage taken of the observed capacity', () => {
    const [mem] = parseThresholds({'memory.available': '100Mi'})
    assert.equal(thresholdMet(mem, {available: 99 * MiB, capacity: 4 * GiB}), true)
    assert.equal(thresholdMet(mem, {available: 100 * MiB, capacity: 4 * GiB}), false, 'exactly at the threshold is not under it')
    assert.equal(thresholdMet(mem, undefined), false, 'no observation, no pressure')
    const [disk] = parseThresholds({'nodefs.available': '10%'})
    assert.equal(thresholdMet(disk, {available: 9 * GiB, capacity: 100 * GiB}), true)
    assert.equal(thresholdMet(disk, {available: 11 * GiB, capacity: 100 * GiB}), false)
  })

  it('parses Go durations', () => {
    assert.equal(parseDuration('5m0s'), 300_000)
    assert.equal(parseDuration('30s'), 30_000)
    assert.equal(parseDuration('1m30s'), 90_000)
    assert.equal(parseDuration('500ms'), 500)
    assert.equal(parseDuration('0'), 0)
    assert.throws(() => parseDuration('5 minutes'), /invalid duration/)
    assert.throws(() => parseDuration(''), /invalid duration/)
  })
})

describe('PressureTracker', () => {
  const thresholds = parseThresholds({...DEFAULT_EVICTION_HARD, 'pid.available': '1000'})
  const healthy: Observations = {
    'memory.available': {available: 2 * GiB, capacity: 4 * GiB},
    'nodefs.available': {available: 50 * GiB, capacity: 100 * GiB},
    'nodefs.inodesFree': {available: 900_000, capacity: 1_000_000},
    'imagefs.available': {available: 50 * GiB, capacity: 100 * GiB},
    'pid.available': {available: 30_000, capacity: 32_768},
  }

  it('maps each signal to its condition', () => {
    const t = new PressureTracker(thresholds, 30_000)
    assert.deepEqual([...t.observe(healthy, 0)], [])
    assert.deepEqual([...t.observe({...healthy, 'memory.available': {available: 50 * MiB, capacity: 4 * GiB}}, 1)], ['MemoryPressure'])
    const u = new PressureTracker(thresholds, 30_000)
    assert.deepEqual([...u.observe({...healthy, 'nodefs.inodesFree': {available: 10, capacity: 1_000_000}}, 0)], ['DiskPressure'])
    const v = new PressureTracker(thresholds, 30_000)
    assert.deepEqual([...v.observe({...healthy, 'imagefs.available': {available: 14 * GiB, capacity: 100 * GiB}}, 0)], ['DiskPressure'], 'imagefs below 15%')
    const w = new PressureTracker(thresholds, 30_000)
    assert.deepEqual([...w.observe({...healthy, 'pid.available': {available: 999, capacity: 32_768}}, 0)], ['PIDPressure'])
  })

  it('keeps a condition on for the transition period after the last time its threshold was met, then clears it', () => {
    const t = new PressureTracker(thresholds, 30_000)
    const full = {...healthy, 'nodefs.available': {available: 5 * GiB, capacity: 100 * GiB}}
    assert.deepEqual([...t.observe(full, 0)], ['DiskPressure'])
    assert.deepEqual([...t.observe(healthy, 10_000)], ['DiskPressure'], 'freed 10 s later: still on')
    assert.deepEqual([...t.observe(full, 20_000)], ['DiskPressure'], 'full again: the period restarts')
    assert.deepEqual([...t.observe(healthy, 49_999)], ['DiskPressure'])
    assert.deepEqual([...t.observe(healthy, 50_000)], [], 'off 30 s after the last observation')
  })

  it('with no transition period, follows the samples', () => {
    const t = new PressureTracker(thresholds, 0)
    assert.deepEqual([...t.observe({...healthy, 'memory.available': {available: 1, capacity: 4 * GiB}}, 0)], ['MemoryPressure'])
    assert.deepEqual([...t.observe(healthy, 1)], [])
  })
})

describe('agent config file', () => {
  it('defaults to the kubelet memory threshold without disk thresholds (nodes share the host disk, as kind) and a 30 s transition period when there is no file', () => {
    const c = readAgentConfigFile('/nonexistent', () => undefined).eviction
    assert.deepEqual(c.hard.map((t) => t.signal), ['memory.available'])
    assert.equal(c.transitionMs, 30_000)
  })

  it('replaces the defaults with evictionHard as the kubelet does, or merges with mergeDefaultEvictionSettings', () => {
    const replaced = evictionConfig({evictionHard: {'nodefs.available': '99%'}, evictionPressureTransitionPeriod: '1m'})
    assert.deepEqual(replaced.hard.map((t) => [t.signal, t.text]), [['nodefs.available', '99%']])
    assert.equal(replaced.transitionMs, 60_000)
    const merged = evictionConfig({evictionHard: {'nodefs.available': '99%', 'pid.available': '500'}, mergeDefaultEvictionSettings: true})
    assert.deepEqual(merged.hard.map((t) => [t.signal, t.text]), [
      ['memory.available', '100Mi'],
      ['nodefs.available', '99%'],
      ['pid.available', '500'],
    ])
  })

  it('names the file and the problem when it is invalid', () => {
    assert.throws(() => readAgentConfigFile('/etc/skiff/agent-config.json', () => '{nope'), /agent config \/etc\/skiff\/agent-config.json: .*JSON/)
    assert.throws(() => readAgentConfigFile('/f', () => '[]'), /agent config \/f: not a JSON object/)
    assert.throws(() => readAgentConfigFile('/f', () => '{"evictionHard": {"disk.available": "1Gi"}}'), /agent config \/f: unsupported eviction signal "disk.available"/)
    assert.throws(() => readAgentConfigFile('/f', () => '{"evictionPressureTransitionPeriod": 30}'), /must be a duration string/)
  })
})
