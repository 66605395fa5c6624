// The agent's exec sessions on containerd's streaming server, over an in-memory TCP model: the late stdin EOF race, gated and ungated.
import assert from 'node:assert/strict'
import {Duplex, type Readable, type Writable} from 'node:stream'
import {remoteSession} from '../../../../src/agent/server/cri-streams.js'
import {SpdyConnection, type SpdyStream, SpdyStreamError, startRemoteCommand} from '../../../../src/client/spdy/index.js'

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))
const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await turn()
}
const collect = (stream: Readable): Promise<string> =>
  new Promise((resolve) => {
    let text = ''
    stream.on('data', (c: Buffer) => (text += c.toString())).on('end', () => resolve(text)).on('close', () => resolve(text))
  })

/**
 * One end of an in-memory TCP connection with the two Linux behaviours the race needs: written bytes may sit in the
 * send queue for a moment before they are transmitted (hold(): TCP autocorking of the many small writes Go's SPDY
 * framer makes), and bytes that reach an end whose owner has already closed it make its kernel reset the connection
 * (TCPAbortOnData): what it had not transmitted yet is thrown away, and the peer reads what did arrive, then the end
 * (what the agent saw on a node: the status frame, half of a RST_STREAM, then the end).
 */
class WireEnd extends Duplex {
  peer!: WireEnd
  resets = 0
  private held: Buffer[] | undefined
  private shut = false
  private finHeld = false
  private holdingFin = false

  static pair(): [WireEnd, WireEnd] {
    const [a, b] = [new WireEnd(), new WireEnd()]
    ;[a.peer, b.peer] = [b, a]
    return [a, b]
  }

  hold(): void {
    this.held ??= []
  }

  // Holds back only the end (FIN): what was written is transmitted.
  holdEnd(): void {
    this.holdingFin = true
  }

  transmit(): void {
    const held = this.held ?? []
    this.held = undefined
    this.holdingFin = false
    for (const chunk of held) this.peer.push(chunk)
    if (this.finHeld) this.peer.push(null)
    this.finHeld = false
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    if (this.held) this.held.push(chunk)
    else this.peer.arrive(chunk)
    callback()
  }

  override _final(callback: () => void): void {
    this.shut = true
    if (this.held || this.holdingFin) this.finHeld = true
    else this.peer.push(null)
    callback()
  }

  override _read(): void {}

  private arrive(chunk: Buffer): void {
    if (!this.shut) return void this.push(chunk)
    this.resets++
    this.held = undefined
    if (this.finHeld) this.peer.push(null)
    this.finHeld = false
  }
}

/**
 * containerd's side of an exec of `sh` reading a script: the shell runs it once it has read `exit 0`, prints, exits.
 * In containerd's order: the output copies end (FIN on stdout and stderr) and stdin is no longer read; then the exit
 * event arrives (a turn later, or in the same one) and the streaming server writes the status, resets the streams and
 * closes the connection, in a few small writes. From `holdFrom` on (the status, the resets after it, or the end of the
 * connection) they sit in the send queue when `exited` resolves, as on the node when the reset came. `atClose` runs then.
 */
type ExitTiming = {holdFrom?: 'status' | 'resets' | 'end'; sameTurn?: boolean; atClose?: () => void}
function containerdExec(socket: WireEnd, script: (input: string) => string | undefined, timing: ExitTiming = {}) {
  const conn = new SpdyConnection(socket, {role: 'server'})
  const streams = new Map<string, SpdyStream>()
  const got = {stdin: '', stdinEof: false}
  const exited = new Promise<void>((resolve) => {
    conn.on('stream', (stream: SpdyStream) => {
      stream.reply()
      if (streams.set(String(stream.headers.streamtype), stream).size < 4) return
      const [stdin, stdout, stderr, error] = ['stdin', 'stdout', 'stderr', 'error'].map((t) => streams.get(t) as SpdyStream)
      let reading = true
      const close = (): void => {
        if ((timing.holdFrom ?? 'status') === 'status') socket.hold()
        error.write(JSON.stringify({metadata: {}, status: 'Success'}))
        if (timing.holdFrom === 'resets') socket.hold()
        if (timing.holdFrom === 'end') socket.holdEnd()
        conn.close()
        timing.atClose?.()
        resolve()
      }
      const exit = (output: string): void => {
        reading = false
        stdout.end(output)
        stderr.end(() => (timing.sameTurn ? close() : setImmediate(close)))
      }
      stdin.on('data', (chunk: Buffer) => {
        if (!reading) return
        got.stdin += chunk.toString()
        const output = script(got.stdin)
        if (output !== undefined) exit(output)
      })
      stdin.on('end', () => {
        if (!reading) return
        got.stdinEof = true
        exit(script(got.stdin + '\u0004') ?? '')
      })
      stdin.on('error', () => undefined)
    })
  })
  return {exited, got}
}

// `sh` with the e2e's script: prints once it has read the whole script, ending in `exit 0`, without waiting for stdin's EOF.
const shell = (input: string): string | undefined => (input.includes('exit 0\n') ? 'from-stdin 42\n' : undefined)
// `cat`: echoes everything, ends at stdin's EOF (marked \u0004 here).
const cat = (input: string): string | undefined => (input.endsWith('\u0004') ? input.slice(0, -1) : undefined)

describe('agent exec sessions on containerd (in-memory TCP)', () => {
  async function start(script: (input: string) => string | undefined, timing?: ExitTiming) {
    const [agentEnd, runtimeEnd] = WireEnd.pair()
    const runtime = containerdExec(runtimeEnd, script, timing)
    const agent = new SpdyConnection(agentEnd, {role: 'client'})
    const closed = new Promise<Error | undefined>((resolve) => agent.once('close', resolve))
    const rc = await startRemoteCommand(agent, {stdin: true, stdout: true, stderr: true})
    rc.stdin?.on('error', () => undefined)
    return {rc, runtime, runtimeEnd, closed}
  }

  // What kubectl exec -i does through the agent: stdin at once, its EOF when kubectl's input ended, here after the output.
  async function execWithLateEof(stdin: Writable, stdout: Readable, stderr: Readable, started: Awaited<ReturnType<typeof start>>) {
    const output = collect(stdout)
    void collect(stderr)
    stdin.write('echo from-stdin $((6*7))\nexit 0\n')
    await started.runtime.exited
    assert.equal(await output, 'from-stdin 42\n')
    stdin.end()
    await settle()
    started.runtimeEnd.transmit()
  }

  it('the race: a stdin EOF sent after the outputs ended reaches the runtime\'s closed socket, whose reset drops the status', async () => {
    const started = await start(shell)
    await execWithLateEof(started.rc.stdin as Writable, started.rc.stdout as Readable, started.rc.stderr as Readable, started)
    await assert.rejects(started.rc.status, (err: Error) => err instanceof SpdyStreamError && /before the stream ended/.test(err.message))
    assert.equal(started.runtimeEnd.resets, 1)
  })

  it('gated: the same exec delivers stdout, the exit status and a clean close; the late EOF is not sent', async () => {
    const started = await start(shell)
    const session = remoteSession(started.rc)
    await execWithLateEof(session.stdin as Writable, session.stdout as Readable, session.stderr as Readable, started)
    assert.deepEqual(await session.status, {metadata: {}, status: 'Success'})
    assert.deepEqual([await started.closed, started.runtimeEnd.resets, started.runtime.got], [undefined, 0, {stdin: 'echo from-stdin $((6*7))\nexit 0\n', stdinEof: false}])
  })

  it('gated: an EOF that comes while the output\'s end is already arriving is dropped as well', async () => {
    // Filled in once the session exists; the runtime's close handler ends it.
    const late: {stdin?: Writable} = {}
    // The runtime exits and closes within one turn; kubectl's EOF is handled in that turn, before the FINs are read.
    const started = await start(shell, {sameTurn: true, atClose: () => late.stdin?.end()})
    const session = remoteSession(started.rc)
    late.stdin = session.stdin ?? undefined
    const output = collect(session.stdout as Readable)
    void collect(session.stderr as Readable)
    session.stdin?.write('echo from-stdin $((6*7))\nexit 0\n')
    await started.runtime.exited
    await settle()
    started.runtimeEnd.transmit()
    assert.deepEqual([await session.status, await output, started.runtimeEnd.resets, started.runtime.got.stdinEof], [{metadata: {}, status: 'Success'}, 'from-stdin 42\n', 0, false])
  })

  it('an EOF crossing the runtime\'s close in flight: a reset after the complete status still leaves that status as the outcome', async () => {
    // As on the node: the status arrived, the reset took the RST_STREAMs and GOAWAY after it.
    const started = await start(shell, {holdFrom: 'resets'})
    await execWithLateEof(started.rc.stdin as Writable, started.rc.stdout as Readable, started.rc.stderr as Readable, started)
    assert.deepEqual([await started.rc.status, started.runtimeEnd.resets], [{metadata: {}, status: 'Success'}, 1])
  })

  it('closing the session once its status is in sends nothing more: the runtime closes the connection itself', async () => {
    const started = await start(shell, {holdFrom: 'end'})
    const session = remoteSession(started.rc)
    void collect(session.stdout as Readable)
    void collect(session.stderr as Readable)
    session.stdin?.write('echo from-stdin $((6*7))\nexit 0\n')
    assert.deepEqual(await session.status, {metadata: {}, status: 'Success'})
    session.close() // the agent does when kubectl closes its WebSocket, after the status
    await settle()
    started.runtimeEnd.transmit()
    assert.deepEqual([await started.closed, started.runtimeEnd.resets], [undefined, 0])
  })

  it('gated: stdin and its EOF still reach a process whose output is open (cat)', async () => {
    const started = await start(cat)
    const session = remoteSession(started.rc)
    const [output, errors] = [collect(session.stdout as Readable), collect(session.stderr as Readable)]
    session.stdin?.write('hello ')
    session.stdin?.end('cat\n')
    await started.runtime.exited
    await settle()
    started.runtimeEnd.transmit()
    assert.deepEqual([await session.status, await output, await errors], [{metadata: {}, status: 'Success'}, 'hello cat\n', ''])
    assert.deepEqual([await started.closed, started.runtimeEnd.resets, started.runtime.got], [undefined, 0, {stdin: 'hello cat\n', stdinEof: true}])
  })
})
