// A fake inner dockerd for the agent's streaming server: labelled containers, canned log lines, scripted exec processes.
import {Duplex, PassThrough, type Readable} from 'node:stream'
import {PodLabels} from '../../../../src/agent/container-labels.js'
import Dockerode from 'dockerode'
import type {DockerApi, DockerContainer, DockerContainerSummary, DockerExec} from '../../../../src/agent/server/runtime.js'

export interface FakeLogLine {
  /** ms since epoch */
  time: number
  stream: 1 | 2
  text: string
}

/** The process side of a fake exec: what the "command" sees. */
export interface FakeProcess {
  cmd: string[]
  tty: boolean
  stdin: Readable
  write(stream: 1 | 2, data: string): void
  exit(code: number): void
}

export interface FakeContainer {
  id: string
  ns: string
  pod: string
  name: string
  restartCount: number
  running: boolean
  tty?: boolean
  lines: FakeLogLine[]
  /** Open follow streams, to push more lines or end them. */
  followers: PassThrough[]
}

/** One frame of docker's multiplexed stream: stream type, 3 zero bytes, big-endian length, then the data. */
export function dockerFrame(stream: 1 | 2, data: Buffer | string): Buffer {
  const body = Buffer.isBuffer(data) ? data : Buffer.from(data)
  const head = Buffer.alloc(8)
  head[0] = stream
  head.writeUInt32BE(body.length, 4)
  return Buffer.concat([head, body])
}

const fixedTs = (ms: number) => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z')

export class FakeDocker implements DockerApi {
  /** The real docker-modem (dockerode's), which splits the frames this fake writes; it never connects. */
  readonly modem = new Dockerode({socketPath: '/nonexistent/docker.sock'}).modem
  containers: FakeContainer[] = []
  execs: Array<{cmd: string[]; resizes: Array<{w: number; h: number}>}> = []
  logCalls: unknown[] = []
  /** Scripts exec processes; the default echoes stdin to stdout and exits 0 at stdin EOF. */
  onExec: (p: FakeProcess) => void = (p) => {
    p.stdin.on('data', (d: Buffer) => p.write(1, d.toString()))
    p.stdin.on('end', () => p.exit(0))
  }

  /** Scripts the main process seen by attach; the default echoes stdin and ends at EOF. */
  onAttach: (p: FakeProcess) => void = (p) => {
    p.stdin.on('data', (d: Buffer) => p.write(1, d.toString()))
    p.stdin.on('end', () => p.exit(0))
  }

  add(c: Partial<FakeContainer> & {ns: string; pod: string; name: string}): FakeContainer {
    const full: FakeContainer = {id: `c${this.containers.length + 1}`, restartCount: 0, running: true, lines: [], followers: [], ...c}
    this.containers.push(full)
    return full
  }

  /** Appends a line to a container's log and to its open follow streams. */
  log(c: FakeContainer, text: string, stream: 1 | 2 = 1, time = Date.now()): void {
    const line = {time, stream, text}
    c.lines.push(line)
    for (const f of c.followers) f.write(this.frame(c, line, (f as PassThrough & {timestamps?: boolean}).timestamps ?? false))
  }

  private frame(c: FakeContainer, l: FakeLogLine, timestamps: boolean): Buffer {
    const text = (timestamps ? `${fixedTs(l.time)} ` : '') + l.text + '\n'
    return c.tty ? Buffer.from(text) : dockerFrame(l.stream, text)
  }

  async listContainers(opts: {all: boolean; filters: string}): Promise<DockerContainerSummary[]> {
    const want = (JSON.parse(opts.filters).label as string[]).map(s => s.split('='))
    return this.containers
      .map(c => ({Id: c.id, State: c.running ? 'running' : 'exited', Labels: {
        [PodLabels.podNamespace]: c.ns, [PodLabels.podName]: c.pod, [PodLabels.containerName]: c.name, [PodLabels.restartCount]: String(c.restartCount),
      } as Record<string, string>}))
      .filter(s => want.every(([k, v]) => s.Labels[k] === v))
  }

  getContainer(id: string): DockerContainer {
    const c = this.containers.find(x => x.id === id)
    if (!c) throw new Error(`no such container: ${id}`)
    // Arrow functions keep `this` (the fake) inside the returned container object.
    const fake = {frame: (l: FakeLogLine, ts: boolean) => this.frame(c, l, ts), execs: () => this.execs, logCalls: () => this.logCalls, onExec: (p: FakeProcess) => this.onExec(p), onAttach: (p: FakeProcess) => this.onAttach(p)}
    return {
      async inspect() {
        return {Config: {Tty: c.tty === true}, State: {Running: c.running, ExitCode: 0}}
      },
      async logs(opts) {
        fake.logCalls().push(opts)
        let lines = c.lines.filter(l => (l.stream === 1 ? opts.stdout : opts.stderr) && (opts.since === undefined || l.time / 1000 >= opts.since))
        if (opts.tail !== undefined) lines = opts.tail === 0 ? [] : lines.slice(-opts.tail)
        const data = Buffer.concat(lines.map(l => fake.frame(l, opts.timestamps)))
        if (!opts.follow) return data
        const s = new PassThrough() as PassThrough & {timestamps?: boolean}
        s.timestamps = opts.timestamps
        s.write(data)
        c.followers.push(s)
        s.on('close', () => c.followers.splice(c.followers.indexOf(s), 1))
        return s
      },
      async exec(opts): Promise<DockerExec> {
        const rec = {cmd: opts.Cmd, resizes: [] as Array<{w: number; h: number}>}
        fake.execs().push(rec)
        let exitCode: number | null = null
        return {
          async start() {
            const stdin = new PassThrough()
            const sock = hijackedSocket(stdin)
            setImmediate(() => fake.onExec({
              cmd: opts.Cmd, tty: opts.Tty, stdin,
              write: (stream, data) => sock.push(opts.Tty ? Buffer.from(data) : dockerFrame(stream, data)),
              exit: (code) => {
                exitCode = code
                sock.push(null)
              },
            }))
            return sock
          },
          async resize(size) {
            rec.resizes.push(size)
          },
          async inspect() {
            return {Running: exitCode === null, ExitCode: exitCode}
          },
        }
      },
      async attach(opts) {
        // Attach to the "main process": the fake's onAttach script plays it.
        const stdin = new PassThrough()
        const sock = hijackedSocket(stdin)
        setImmediate(() => fake.onAttach({
          cmd: [], tty: c.tty === true, stdin,
          write: (stream, data) => {
            if (stream === 1 ? opts.stdout : opts.stderr) sock.push(c.tty ? Buffer.from(data) : dockerFrame(stream, data))
          },
          exit: () => sock.push(null),
        }))
        return sock
      },
      async resize() {},
    }
  }
}

/** The hijacked stream docker returns: writes are the process' stdin, reads its (multiplexed unless TTY) output. */
function hijackedSocket(stdin: PassThrough): Duplex {
  return new Duplex({
    read() {},
    write(chunk, _enc, cb) {
      stdin.write(chunk)
      cb()
    },
    final(cb) {
      stdin.end()
      cb()
    },
  })
}
