// Container I/O of the Docker provider: exec (with optional stdin), log tails and file copies in and out.
import type Dockerode from 'dockerode'
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {PassThrough, type Readable} from 'node:stream'
import * as tar from 'tar'
import type {ExecResult} from '../provider.js'

/** Collects a stream's bytes as text. */
function collector(): {sink: PassThrough; text: () => string} {
  const sink = new PassThrough()
  const chunks: Buffer[] = []
  sink.on('data', (c: Buffer) => chunks.push(c))
  return {sink, text: () => Buffer.concat(chunks).toString()}
}

/** Resolves when a stream ends or closes, rejects on its error. */
function finished(stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.on('end', resolve)
    stream.on('close', resolve)
    stream.on('error', reject)
  })
}

/** Runs cmd in a container with stdout and stderr demultiplexed (docker-modem's demuxStream), piping stdin in when given. */
export async function execIn(docker: Dockerode, container: string, cmd: string[], stdin?: NodeJS.ReadableStream): Promise<ExecResult> {
  const exec = await docker.getContainer(container).exec({Cmd: cmd, AttachStdin: Boolean(stdin), AttachStdout: true, AttachStderr: true})
  const stream = await exec.start({hijack: true, stdin: Boolean(stdin)})
  const out = collector()
  const err = collector()
  docker.modem.demuxStream(stream, out.sink, err.sink)
  const done = finished(stream)
  if (stdin) {
    // A failed source (e.g. an unreadable archive) ends the exec too, rather than leaving its socket open.
    const input = new Promise<never>((_, reject) =>
      stdin.on('error', (error) => {
        stream.destroy()
        reject(error)
      }),
    )
    stdin.pipe(stream)
    await Promise.race([done, input])
  } else {
    await done
  }
  const {ExitCode} = await exec.inspect()
  return {stdout: out.text(), stderr: err.text(), exitCode: ExitCode ?? -1}
}

/** The last lines of a container's log (stdout and stderr interleaved); '' when it cannot be read. */
export async function logTail(docker: Dockerode, container: string, tail: number): Promise<string> {
  try {
    const buf = (await docker.getContainer(container).logs({stdout: true, stderr: true, tail})) as unknown as Buffer
    const source = new PassThrough()
    const out = collector()
    // demuxStream passes a TTY container's raw log through unchanged.
    docker.modem.demuxStream(source, out.sink, out.sink)
    const done = finished(source)
    source.end(buf)
    await done
    return out.text()
  } catch {
    return ''
  }
}

/** Reads one file out of a container (through its tar archive). */
export async function readFileFrom(docker: Dockerode, container: string, path: string): Promise<string> {
  const stream = await docker.getContainer(container).getArchive({path})
  const chunks: Buffer[] = []
  await new Promise<void>((resolve, reject) => {
    const parser = new tar.Parser({onReadEntry: (entry) => entry.on('data', (c: Buffer) => chunks.push(c))})
    parser.on('end', () => resolve())
    parser.on('error', reject)
    stream.on('error', reject)
    stream.pipe(parser as unknown as NodeJS.WritableStream)
  })
  return Buffer.concat(chunks).toString('utf8')
}

/** Packs in-memory files into a tar stream for putArchive (via a temp dir, as node-tar packs from disk). */
export async function packFiles(files: Record<string, string>): Promise<NodeJS.ReadableStream> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-files-'))
  const rels: string[] = []
  try {
    for (const [path, content] of Object.entries(files)) {
      const rel = path.replace(/^\/+/, '')
      await mkdir(join(dir, dirname(rel)), {recursive: true})
      // Everything the CLI gives a node is key material or names it (certificates, keys, the encryption config,
      // admin.conf): root only, so no process in the node but root's (and no hostPath pod but a root one) reads it.
      await writeFile(join(dir, rel), content, {mode: 0o600})
      rels.push(rel)
    }
    const packed = tar.c({cwd: dir, portable: true}, rels) as unknown as Readable
    const chunks: Buffer[] = []
    for await (const c of packed) chunks.push(c as Buffer)
    const out = new PassThrough()
    out.end(Buffer.concat(chunks))
    return out
  } finally {
    await rm(dir, {recursive: true, force: true})
  }
}
