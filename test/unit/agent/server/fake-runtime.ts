// A fake container runtime for the agent's streaming server: labelled containers with CRI log files in a temp dir, scripted exec and attach processes.
import {appendFileSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import * as net from 'node:net'
import {PassThrough, type Readable} from 'node:stream'
import type {ContainerInstance, RemoteSession, StreamIO, StreamRuntime} from '../../../../src/agent/server/runtime.js'
import {SpdyConnection, type SpdyStream} from '../../../../src/client/spdy/index.js'

/** The process side of a fake exec or attach: what the "command" sees. */
export interface FakeProcess {
  cmd: string[]
  io: StreamIO
  stdin: Readable
  write(stream: 1 | 2, data: string): void
  exit(code: number): void
}

export interface FakeContainer extends ContainerInstance {
  ns: string
  pod: string
  name: string
  logPath: string
}

/** The CRI log line format: `<RFC 3339 nano time> <stream> F <text>`. */
function criLine(time: number, stream: 1 | 2, text: string): string {
  const ts = new Date(time).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z')
  return `${ts} ${stream === 1 ? 'stdout' : 'stderr'} F ${text}\n`
}

/** Status the runtime's streaming server reports at the end of a session. */
function exitStatus(code: number, cmd: string[]): Record<string, unknown> {
  if (code === 0) return {metadata: {}, status: 'Success'}
  return {
    metadata: {}, status: 'Failure', reason: 'NonZeroExitCode',
    message: `command terminated with non-zero exit code: error executing command [${cmd.join(' ')}], exit code ${code}`,
    details: {causes: [{reason: 'ExitCode', message: String(code)}]},
  }
}

export class FakeStreamRuntime implements StreamRuntime {
  readonly dir = mkdtempSync(join(tmpdir(), 'skiff-fake-logs-'))
  containers: FakeContainer[] = []
  sessions: Array<{kind: 'exec' | 'attach'; cmd: string[]; io: StreamIO; resizes: Array<{w: number; h: number}>; closed: boolean}> = []
  /** Scripts exec processes; the default echoes stdin to stdout and exits 0 at stdin EOF. */
  onExec: (p: FakeProcess) => void = echo
  /** Scripts the main process seen by attach; the default echoes stdin and ends at EOF. */
  onAttach: (p: FakeProcess) => void = echo

  /** Pods with a sandbox, as `namespace/name`; port forwarding into one dials 127.0.0.1:<port> (a test's server). */
  sandboxes = new Set<string>()
  private pfServer?: net.Server

  async hasSandbox(namespace: string, pod: string): Promise<boolean> {
    return this.sandboxes.has(`${namespace}/${pod}`)
  }

  /** A port-forward session as containerd's streaming server serves one: each data stream is a TCP connection. */
  async portForward(namespace: string, pod: string): Promise<SpdyConnection> {
    if (!this.sandboxes.has(`${namespace}/${pod}`)) throw new Error(`no sandbox for ${namespace}/${pod}`)
    if (!this.pfServer) {
      this.pfServer = net.createServer((sock) => {
        const conn = new SpdyConnection(sock, {role: 'server'})
        conn.on('stream', (s: SpdyStream) => {
          s.reply()
          if (s.headers.streamtype === 'error') return void s.end()
          const target = net.connect(Number(s.headers.port), '127.0.0.1')
          target.on('error', () => s.destroy())
          s.pipe(target)
          target.pipe(s)
        })
      })
      await new Promise<void>((r) => this.pfServer!.listen(0, '127.0.0.1', () => r()))
    }
    const sock = net.connect((this.pfServer.address() as net.AddressInfo).port, '127.0.0.1')
    await new Promise<void>((r) => sock.once('connect', () => r()))
    return new SpdyConnection(sock, {role: 'client'})
  }

  reset(): void {
    this.containers = []
    this.sessions = []
    this.onExec = echo
    this.onAttach = echo
  }

  cleanup(): void {
    this.pfServer?.close()
    rmSync(this.dir, {recursive: true, force: true})
  }

  add(c: Partial<FakeContainer> & {ns: string; pod: string; name: string}): FakeContainer {
    const id = `c${this.containers.length + 1}-${Date.now()}`
    const full: FakeContainer = {id, restartCount: 0, running: true, tty: false, logPath: join(this.dir, `${id}.log`), ...c}
    appendFileSync(full.logPath, '')
    this.containers.push(full)
    return full
  }

  /** Appends one line to a container's CRI log file. */
  log(c: FakeContainer, text: string, stream: 1 | 2 = 1, time = Date.now()): void {
    appendFileSync(c.logPath, criLine(time, stream, text))
  }

  async containerInstances(namespace: string, pod: string, container: string): Promise<ContainerInstance[]> {
    return this.containers.filter((c) => c.ns === namespace && c.pod === pod && c.name === container).sort((a, b) => b.restartCount - a.restartCount)
  }

  async isRunning(id: string): Promise<boolean> {
    return this.containers.find((c) => c.id === id)?.running ?? false
  }

  async exec(id: string, command: string[], io: StreamIO): Promise<RemoteSession> {
    return this.session('exec', id, command, io, this.onExec)
  }

  async attach(id: string, io: StreamIO): Promise<RemoteSession> {
    return this.session('attach', id, [], io, this.onAttach)
  }

  private session(kind: 'exec' | 'attach', id: string, cmd: string[], io: StreamIO, script: (p: FakeProcess) => void): RemoteSession {
    if (!this.containers.some((c) => c.id === id)) throw new Error(`no such container: ${id}`)
    const rec = {kind, cmd, io, resizes: [] as Array<{w: number; h: number}>, closed: false}
    this.sessions.push(rec)
    const stdin = new PassThrough()
    const stdout = io.stdout ? new PassThrough() : undefined
    // With a TTY the runtime merges stderr into stdout.
    const stderr = io.stderr && !io.tty ? new PassThrough() : undefined
    let settle!: (s: Record<string, unknown>) => void
    const status = new Promise<Record<string, unknown>>((r) => (settle = r))
    setImmediate(() =>
      script({
        cmd, io, stdin,
        write: (stream, data) => (stream === 2 && !io.tty ? stderr : stdout)?.write(data),
        exit: (code) => {
          stdout?.end()
          stderr?.end()
          settle(exitStatus(code, cmd))
        },
      }),
    )
    return {
      stdin: io.stdin ? stdin : undefined,
      stdout,
      stderr,
      resize: (w, h) => rec.resizes.push({w, h}),
      status,
      close: () => {
        rec.closed = true
        stdin.destroy()
      },
    }
  }
}

function echo(p: FakeProcess): void {
  p.stdin.on('data', (d: Buffer) => p.write(1, d.toString()))
  p.stdin.on('end', () => p.exit(0))
}
