// Unit tests for CRI log files: parsing, the kubelet's rendering (partial lines, tail, since, limits, streams), follow across rotation, and rotation.
import assert from 'node:assert/strict'
import {appendFile, mkdtemp, readdir, readFile, rename, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {Readable} from 'node:stream'
import {LogRotator, rotateLogs, rotatedLogName} from '../../../../src/agent/cri/log-rotation.js'
import {parseCriLogLine, readContainerLog, type ReadContainerLogOptions} from '../../../../src/agent/cri/logs.js'
import {FakeClock} from '../../../../src/api/clock.js'
import {waitFor} from '../../../helpers/wait.js'

const T0 = Date.parse('2024-05-01T10:00:00Z')

/** The RFC 3339 time T0 + sec seconds + ns nanoseconds, with all nine fraction digits as containerd writes them. */
function at(sec: number, ns = 0): string {
  return `${new Date(T0 + sec * 1000).toISOString().slice(0, 19)}.${String(ns).padStart(9, '0')}Z`
}

function entry(sec: number, content: string, opts: {stream?: 'stdout' | 'stderr'; tag?: string; ns?: number} = {}): string {
  return `${at(sec, opts.ns)} ${opts.stream ?? 'stdout'} ${opts.tag ?? 'F'} ${content}\n`
}

async function collect(r: Readable): Promise<string> {
  const chunks: Buffer[] = []
  for await (const c of r) chunks.push(c as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

/** Starts reading and keeps what arrives in .text, with .ended once the stream ended. */
function watch(r: Readable) {
  readers.push(r)
  const seen = {text: '', ended: false, error: undefined as unknown}
  r.on('data', (c: Buffer) => (seen.text += c.toString('utf8')))
  r.on('end', () => (seen.ended = true))
  r.on('error', (err) => (seen.error = err))
  return seen
}

let dir: string
let path: string
/** Followers to destroy after each test, so a failed one does not keep polling. */
const readers: Readable[] = []
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-crilog-'))
  path = join(dir, '0.log')
})
afterEach(async () => {
  for (const r of readers.splice(0)) r.destroy()
  await rm(dir, {recursive: true, force: true})
})

const read = (opts: Partial<ReadContainerLogOptions> = {}) => collect(readContainerLog({path, ...opts}))

describe('parseCriLogLine', () => {
  it('parses full, partial and stderr entries, keeping the content (spaces included) without its newline', () => {
    const full = parseCriLogLine('2016-10-06T00:17:09.669794202Z stdout F hello  world\n')
    assert.deepEqual(full, {
      time: '2016-10-06T00:17:09.669794202Z',
      timeMs: Date.parse('2016-10-06T00:17:09.669Z') + 0.794202,
      timeNs: 1475713029669794202n,
      stream: 'stdout',
      partial: false,
      content: 'hello  world',
    })
    const partial = parseCriLogLine('2016-10-06T00:17:09.669794202Z stderr P part')
    assert.equal(partial?.stream, 'stderr')
    assert.equal(partial?.partial, true)
    assert.equal(partial?.content, 'part')
    assert.equal(parseCriLogLine('2016-10-06T00:17:09Z stdout F \n')?.content, '', 'an empty line')
  })

  it('reads only the first element of a tag list', () => {
    assert.equal(parseCriLogLine('2016-10-06T00:17:09Z stdout P:x:y a')?.partial, true)
    assert.equal(parseCriLogLine('2016-10-06T00:17:09Z stdout F:future a')?.partial, false)
  })

  it('keeps a Buffer a Buffer, multi-byte text intact', () => {
    const e = parseCriLogLine(Buffer.from('2016-10-06T00:17:09.5Z stdout F grüße ✓\n'))
    assert.ok(Buffer.isBuffer(e?.content))
    assert.equal(e?.content.toString('utf8'), 'grüße ✓')
  })

  it('rejects lines that are not CRI entries', () => {
    for (const bad of [
      '',
      'hello world',
      '2016-10-06T00:17:09Z stdout F',
      '2016-10-06T00:17:09Z stdin F a',
      '2016-10-06T00:17:09Z stdout X a',
      '2016-10-06T00:17:09Z stdout  a',
      '2016-10-06 00:17:09Z stdout F a',
      '2016-10-06T00:17:09 stdout F a',
      '2016-02-30T00:17:09Z stdout F a',
      '2016-10-06T24:00:00Z stdout F a',
      '2016-10-06T00:17:09.1234567890Z stdout F a',
      '{"log":"docker json","stream":"stdout"}',
    ]) {
      assert.equal(parseCriLogLine(bad), undefined, bad)
    }
  })

  it('orders times by their nanoseconds, whatever the fraction length or zone', () => {
    const ns = (t: string) => parseCriLogLine(`${t} stdout F x`)?.timeNs
    const times = ['2024-05-01T10:00:00.5Z', '2024-05-01T10:00:00.500000001Z', '2024-05-01T10:00:00.499999999Z', '2024-05-01T12:00:00.4999999+02:00']
    const sorted = [...times].sort((a, b) => Number((ns(a) ?? 0n) - (ns(b) ?? 0n)))
    assert.deepEqual(sorted, [times[3], times[2], times[0], times[1]])
    assert.equal(ns('2024-05-01T12:00:00+02:00'), ns('2024-05-01T10:00:00Z'))
  })
})

describe('readContainerLog', () => {
  it('joins partial entries into one line per stream, skips malformed lines, prefixes timestamps once per line', async () => {
    await writeFile(path, entry(1, 'hel', {tag: 'P'}) + entry(2, 'lo', {tag: 'P'}) + 'garbage\n' + entry(3, ' world') + entry(4, 'oops', {stream: 'stderr'}) + entry(5, 'done'))
    assert.equal(await read(), 'hello world\noops\ndone\n')
    assert.equal(await read({timestamps: true}), `${at(1)} hello world\n${at(4)} oops\n${at(5)} done\n`)
  })

  it('keeps line state per stream when stdout and stderr entries interleave', async () => {
    await writeFile(path, entry(1, 'out-', {tag: 'P'}) + entry(2, 'err', {stream: 'stderr'}) + entry(3, 'line'))
    // Merged in file order as the kubelet writes them; the stderr line still gets its own prefix, the stdout rest none.
    assert.equal(await read({timestamps: true}), `${at(1)} out-${at(2)} err\nline\n`)
    assert.equal(await read({timestamps: true, stream: 'Stdout'}), `${at(1)} out-line\n`)
  })

  it('renders a last line without a newline when not following', async () => {
    await writeFile(path, entry(1, 'a') + entry(2, 'b').trimEnd())
    assert.equal(await read(), 'a\nb\n')
  })

  it('tails the last lines of a file many read chunks long', async () => {
    const lines = Array.from({length: 30_000}, (_, i) => entry(i, `line ${i} ${'x'.repeat(i % 50)}`))
    await writeFile(path, lines.join(''))
    const expect = (from: number) => lines.slice(from).map((l) => l.slice(l.indexOf(' F ') + 3)).join('')
    assert.equal(await read({tailLines: 3}), expect(29_997))
    assert.equal(await read({tailLines: 3, chunkBytes: 7}), expect(29_997))
    assert.equal(await read({tailLines: 0}), '')
    assert.equal((await read({tailLines: 100_000})).length, expect(0).length)
  })

  it('counts lines, not entries, when tailing, and keeps other streams out of the counted lines', async () => {
    await writeFile(
      path,
      entry(1, 'old') + entry(2, 'a1', {tag: 'P'}) + entry(3, 'err1', {stream: 'stderr'}) + entry(4, 'a2', {tag: 'P'}) + entry(5, 'a3') + entry(6, 'trail', {stream: 'stderr', tag: 'P'}),
    )
    for (const chunkBytes of [5, 64 * 1024]) {
      assert.equal(await read({tailLines: 1, chunkBytes}), 'a1a2a3\ntrail', 'the unfinished stderr line is shown, not counted')
      // Merged in file order, as the kubelet writes them: err1 lands inside the stdout line being built.
      assert.equal(await read({tailLines: 2, chunkBytes}), 'a1err1\na2a3\ntrail')
      assert.equal(await read({tailLines: 1, stream: 'Stderr', chunkBytes}), 'err1\ntrail')
      assert.equal(await read({tailLines: 2, stream: 'Stdout', chunkBytes}), 'old\na1a2a3\n')
    }
  })

  it('leaves out lines older than since, to the nanosecond, a partial line by its first entry', async () => {
    await writeFile(
      path,
      entry(1, 'before', {ns: 499_999_999}) +
        entry(1, 'exactly', {ns: 500_000_000}) +
        entry(1, 'after', {ns: 500_000_001}) +
        entry(1, 'started-before-', {stream: 'stderr', tag: 'P', ns: 400_000_000}) +
        entry(2, 'ended-after', {stream: 'stderr'}),
    )
    assert.equal(await read({since: T0 / 1000 + 1.5}), 'exactly\nafter\n')
    assert.equal(await read({since: T0 / 1000 + 1.4}), 'before\nexactly\nafter\nstarted-before-ended-after\n')
  })

  it('stops after limitBytes, mid-line, counting the timestamp prefix', async () => {
    await writeFile(path, entry(1, 'hello') + entry(2, 'world'))
    assert.equal(await read({limitBytes: 8}), 'hello\nwo')
    assert.equal(await read({limitBytes: 6}), 'hello\n')
    assert.equal(await read({limitBytes: 5, timestamps: true}), at(1).slice(0, 5))
    assert.equal(await read({limitBytes: 0}), 'hello\nworld\n', 'not positive: no limit, as the kubelet')
  })

  it('filters by stream', async () => {
    await writeFile(path, entry(1, 'out1') + entry(2, 'err1', {stream: 'stderr'}) + entry(3, 'out2'))
    assert.equal(await read({stream: 'Stdout'}), 'out1\nout2\n')
    assert.equal(await read({stream: 'Stderr'}), 'err1\n')
    assert.equal(await read({stream: 'All'}), 'out1\nerr1\nout2\n')
  })

  it('fails for a missing file', async () => {
    await assert.rejects(read(), /ENOENT/)
  })

  it('follows appended lines and ends once the container stopped and everything was read', async () => {
    await writeFile(path, entry(1, 'one'))
    let running = true
    let checks = 0
    const isRunning = async () => (checks++, running)
    const seen = watch(readContainerLog({path, follow: true, isRunning, pollIntervalMs: 10, runningCheckMs: 20}))
    await waitFor('the first line', async () => seen.text === 'one\n', 5000, 10)
    await appendFile(path, entry(2, 'tw', {tag: 'P'}))
    await appendFile(path, entry(3, 'o'))
    await waitFor('the appended line', async () => seen.text === 'one\ntwo\n', 5000, 10)
    // Written just before the exit: still shown.
    await appendFile(path, entry(4, 'three'))
    running = false
    await waitFor('the end', async () => seen.ended, 5000, 10)
    assert.equal(seen.text, 'one\ntwo\nthree\n')
    assert.ok(checks >= 1)
  })

  it('asks isRunning at most every runningCheckMs, sleeping pollIntervalMs between looks', async () => {
    await writeFile(path, entry(1, 'one'))
    // Sleeping only moves this clock, so the test waits for nothing real.
    let now = 0
    const sleeps: number[] = []
    const clock = {now: () => now, sleep: async (ms: number) => void (sleeps.push(ms), (now += ms))}
    const checkedAt: number[] = []
    const isRunning = async () => checkedAt.push(now) < 4
    assert.equal(await read({follow: true, isRunning, clock, pollIntervalMs: 100, runningCheckMs: 1000}), 'one\n')
    assert.deepEqual(checkedAt, [0, 1000, 2000, 3000])
    assert.ok(sleeps.every((ms) => ms === 100))
  })

  it('with tailLines 0 shows only what is appended', async () => {
    await writeFile(path, entry(1, 'old'))
    let running = true
    let checks = 0
    const seen = watch(readContainerLog({path, follow: true, tailLines: 0, isRunning: async () => (checks++, running), pollIntervalMs: 10, runningCheckMs: 10}))
    await waitFor('the reader at the end of the file', async () => checks > 0, 5000, 10)
    await appendFile(path, entry(2, 'new'))
    await waitFor('the new line', async () => seen.text === 'new\n', 5000, 10)
    running = false
    await waitFor('the end', async () => seen.ended, 5000, 10)
    assert.equal(seen.text, 'new\n')
  })

  it('follows across a rotation without losing or repeating lines', async () => {
    await writeFile(path, entry(1, 'one') + entry(2, 'two'))
    let running = true
    const seen = watch(readContainerLog({path, follow: true, tailLines: 1, isRunning: async () => running, pollIntervalMs: 10, runningCheckMs: 20}))
    await waitFor('the tail', async () => seen.text === 'two\n', 5000, 10)
    const result = await rotateLogs([{id: 'c1', logPath: path}], {
      maxBytes: 1,
      now: () => new Date(T0),
      reopen: async () => {
        // containerd still writes to the renamed file until it has reopened, and may split a line across the two.
        await appendFile(rotatedLogName(path, new Date(T0)), entry(3, 'three') + entry(4, 'fo', {tag: 'P'}))
        await writeFile(path, entry(5, 'ur'))
      },
    })
    assert.equal(result.failed.length, 0)
    await appendFile(path, entry(6, 'five'))
    await waitFor('the new file', async () => seen.text.endsWith('five\n'), 5000, 10)
    // And a second rotation, by hand this time.
    await rename(path, `${path}.2`)
    await writeFile(path, entry(7, 'six'))
    await waitFor('the newer file', async () => seen.text.endsWith('six\n'), 5000, 10)
    // containerd creates the new file before closing the old one, so a last write can land in the old one after it.
    await appendFile(`${path}.2`, entry(8, 'late'))
    await waitFor('the late line', async () => seen.text.endsWith('late\n'), 5000, 10)
    running = false
    await waitFor('the end', async () => seen.ended, 5000, 10)
    assert.equal(seen.text, 'two\nthree\nfour\nfive\nsix\nlate\n')
  })

  it('ends when aborted, and when destroyed, while waiting for more', async () => {
    await writeFile(path, entry(1, 'one'))
    const ac = new AbortController()
    const seen = watch(readContainerLog({path, follow: true, isRunning: async () => true, signal: ac.signal, pollIntervalMs: 10}))
    await waitFor('the line', async () => seen.text === 'one\n', 5000, 10)
    ac.abort()
    await waitFor('the end', async () => seen.ended, 5000, 10)
    assert.equal(seen.error, undefined)

    const r = readContainerLog({path, follow: true, pollIntervalMs: 10})
    const closed = new Promise((resolve) => r.on('close', resolve))
    const second = watch(r)
    await waitFor('the line', async () => second.text === 'one\n', 5000, 10)
    r.destroy()
    await closed
  })

  it('reports an isRunning that throws as a stream error', async () => {
    await writeFile(path, entry(1, 'one'))
    const r = readContainerLog({
      path,
      follow: true,
      isRunning: async () => {
        throw new Error('CRI ContainerStatus: unavailable')
      },
    })
    await assert.rejects(collect(r), /unavailable/)
  })
})

describe('rotateLogs', () => {
  const reopenCreates = (calls: string[]) => async (id: string) => {
    calls.push(id)
    await writeFile(path, '')
  }

  it('rotates a log that reached maxBytes to <path>.<UTC time> and has it reopened; leaves smaller and missing logs', async () => {
    const small = join(dir, 'small.log')
    await writeFile(path, 'x'.repeat(100))
    await writeFile(small, 'x'.repeat(99))
    const calls: string[] = []
    const result = await rotateLogs(
      [
        {id: 'big', logPath: path},
        {id: 'small', logPath: small},
        {id: 'gone', logPath: join(dir, 'gone.log')},
      ],
      {maxBytes: 100, reopen: reopenCreates(calls), now: () => new Date('2024-05-01T10:02:03.456Z')},
    )
    assert.deepEqual(result, {rotated: [{id: 'big', to: `${path}.20240501-100203`}], removed: [], failed: []})
    assert.deepEqual(calls, ['big'])
    assert.deepEqual((await readdir(dir)).sort(), ['0.log', '0.log.20240501-100203', 'small.log'])
    assert.equal(await readFile(`${path}.20240501-100203`, 'utf8'), 'x'.repeat(100))
    assert.equal(await readFile(path, 'utf8'), '')
  })

  it('keeps maxFiles-1 rotated files, deleting the oldest, and leaves other files alone', async () => {
    const old = ['20240101-000000', '20240201-000000', '20240301-000000']
    for (const ts of old) await writeFile(`${path}.${ts}`, ts)
    await writeFile(join(dir, '0.log.tmp'), '')
    await writeFile(join(dir, '1.log.20230101-000000'), '')
    await writeFile(path, 'x'.repeat(10))
    const result = await rotateLogs([{id: 'c', logPath: path}], {maxBytes: 10, maxFiles: 3, reopen: reopenCreates([]), now: () => new Date(T0)})
    assert.deepEqual(result.removed, [`${path}.${old[0]}`, `${path}.${old[1]}`])
    assert.deepEqual((await readdir(dir)).sort(), ['0.log', '0.log.20240301-000000', '0.log.20240501-100000', '0.log.tmp', '1.log.20230101-000000'])
  })

  it('renames the log back when reopening fails, and does not overwrite a rotation of the same second', async () => {
    await writeFile(path, 'precious')
    const result = await rotateLogs([{id: 'c', logPath: path}], {
      maxBytes: 1,
      now: () => new Date(T0),
      reopen: async () => {
        throw new Error('container is not running')
      },
    })
    assert.equal(result.failed[0]?.id, 'c')
    assert.match(result.failed[0].error.message, /not running/)
    assert.deepEqual(await readdir(dir), ['0.log'])
    assert.equal(await readFile(path, 'utf8'), 'precious')

    await writeFile(`${path}.20240501-100000`, 'earlier')
    const again = await rotateLogs([{id: 'c', logPath: path}], {maxBytes: 1, now: () => new Date(T0), reopen: reopenCreates([])})
    assert.deepEqual(again.rotated, [])
    assert.equal(await readFile(`${path}.20240501-100000`, 'utf8'), 'earlier')
  })
})

describe('LogRotator', () => {
  it('runs a pass at start and every interval after, until stopped', async () => {
    const clock = new FakeClock(T0)
    let lists = 0
    const reopened: string[] = []
    const failures: unknown[] = []
    await writeFile(path, 'x'.repeat(10))
    const rotator = new LogRotator({
      list: () => (lists++, [{id: 'c', logPath: path}]),
      maxBytes: 10,
      reopen: async (id) => {
        reopened.push(id)
        await writeFile(path, '')
      },
      intervalMs: 10_000,
      clock,
      onResult: (r) => failures.push(...r.failed.map((f) => f.error)),
      onError: (err) => failures.push(err),
    })
    rotator.start()
    await waitFor('the first pass', async () => clock.pending() === 1, 5000, 5)
    assert.deepEqual([reopened, failures], [['c'], []])
    assert.ok((await readdir(dir)).includes('0.log.20240501-100000'))
    await writeFile(path, 'y'.repeat(10))
    await clock.advance(9_999)
    assert.equal(lists, 1)
    await clock.advance(1)
    await waitFor('the second pass', async () => reopened.length === 2 && clock.pending() === 1, 5000, 5)
    assert.ok((await readdir(dir)).includes('0.log.20240501-100010'), 'named by the injected clock')
    await rotator.stop()
    assert.deepEqual(failures, [])
    assert.equal(clock.pending(), 0)
    await clock.advance(60_000)
    assert.equal(lists, 2)
  })
})
