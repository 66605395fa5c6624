// The Docker provider's container I/O without an engine: exec output demultiplexed (docker-modem), stdin piped in, log tails.
import assert from 'node:assert/strict'
import {Duplex, Readable} from 'node:stream'
import Dockerode from 'dockerode'
import {execIn, logTail} from '../../../src/cluster/docker/streams.js'

/** One frame of Docker's multiplexed stream: 8-byte header (stream, 0, 0, 0, length) then the payload. */
function frame(stream: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text)
  const header = Buffer.alloc(8)
  header[0] = stream
  header.writeUInt32BE(payload.length, 4)
  return Buffer.concat([header, payload])
}

/** A Dockerode whose containers answer logs() with a fixed buffer (no engine is contacted). */
function dockerWithLog(log: Buffer | Error): Dockerode {
  const docker = new Dockerode({socketPath: '/nonexistent/docker.sock'})
  docker.getContainer = (() => ({logs: async () => (log instanceof Error ? Promise.reject(log) : log)})) as unknown as Dockerode['getContainer']
  return docker
}

describe('docker provider log tail', () => {
  it('joins stdout and stderr frames in order', async () => {
    const buf = Buffer.concat([frame(1, 'starting etcd\n'), frame(2, 'warning: slow disk\n'), frame(1, 'apiserver up\n')])
    assert.equal(await logTail(dockerWithLog(buf), 'n', 15), 'starting etcd\nwarning: slow disk\napiserver up\n')
  })

  it('passes a TTY container log through unchanged', async () => {
    assert.equal(await logTail(dockerWithLog(Buffer.from('plain tty output\n')), 'n', 15), 'plain tty output\n')
  })

  it('is empty when the log cannot be read (it only decorates error messages)', async () => {
    assert.equal(await logTail(dockerWithLog(new Error('no such container')), 'n', 15), '')
  })
})

/** A hijacked exec socket: collects what is written as stdin, and once stdin ends answers with `reply` frames. */
function execSocket(reply: (stdin: string) => Buffer[]): {socket: Duplex; stdin: () => string} {
  const chunks: Buffer[] = []
  const socket = new Duplex({
    read() {},
    write(chunk, _enc, cb) {
      chunks.push(chunk)
      cb()
    },
    final(cb) {
      for (const f of reply(Buffer.concat(chunks).toString())) this.push(f)
      this.push(null)
      cb()
    },
  })
  return {socket, stdin: () => Buffer.concat(chunks).toString()}
}

function dockerWithExec(socket: Duplex, exitCode: number, seen: {cmd?: string[]; attachStdin?: boolean}): Dockerode {
  const docker = new Dockerode({socketPath: '/nonexistent/docker.sock'})
  docker.getContainer = (() => ({
    exec: async (opts: {Cmd: string[]; AttachStdin: boolean}) => {
      seen.cmd = opts.Cmd
      seen.attachStdin = opts.AttachStdin
      return {start: async () => socket, inspect: async () => ({ExitCode: exitCode})}
    },
  })) as unknown as Dockerode['getContainer']
  return docker
}

describe('docker provider exec', () => {
  it('pipes stdin in and returns stdout, stderr and the exit code', async () => {
    const {socket, stdin} = execSocket((input) => [frame(1, `Loaded image: ${input.length} bytes\n`), frame(2, 'note\n')])
    const seen: {cmd?: string[]; attachStdin?: boolean} = {}
    const res = await execIn(dockerWithExec(socket, 0, seen), 'node', ['docker', 'load', '-q'], Readable.from([Buffer.from('tar-bytes')]))
    assert.equal(stdin(), 'tar-bytes')
    assert.deepEqual(res, {stdout: 'Loaded image: 9 bytes\n', stderr: 'note\n', exitCode: 0})
    assert.deepEqual(seen, {cmd: ['docker', 'load', '-q'], attachStdin: true})
  })

  it('fails when the stdin source fails (e.g. the archive cannot be read)', async () => {
    const {socket} = execSocket(() => [])
    const broken = new Readable({
      read() {
        this.destroy(new Error('ENOENT: images.tar'))
      },
    })
    await assert.rejects(execIn(dockerWithExec(socket, 0, {}), 'node', ['docker', 'load'], broken), /ENOENT/)
    assert.ok(socket.destroyed, 'the exec socket is closed')
  })
})
