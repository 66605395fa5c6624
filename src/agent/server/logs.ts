// GET /containerLogs/{ns}/{pod}/{container}: a container's logs from the inner dockerd as a text/plain stream, with the kubelet's query parameters.
import type {ServerResponse} from 'node:http'
import {asReadable, containerInstances, type DockerApi, onContainerOutput} from './runtime.js'
import {AgentError} from './status.js'

/** The kubelet's log options, parsed from the query (unknown parameters are ignored, as the kubelet does). */
export interface LogOptions {
  follow: boolean
  previous: boolean
  timestamps: boolean
  tailLines?: number
  /** Unix seconds (fractional) from sinceSeconds or sinceTime. */
  since?: number
  limitBytes?: number
  stream: 'All' | 'Stdout' | 'Stderr'
}

function positiveInt(q: URLSearchParams, name: string, min: number): number | undefined {
  const v = q.get(name)
  if (v === null || v === '') return undefined
  const n = Number(v)
  if (!Number.isInteger(n) || n < min) throw new AgentError(400, 'BadRequest', `invalid value for ${name}: ${JSON.stringify(v)}`)
  return n
}

const truthy = (v: string | null) => v === 'true' || v === '1'

/** Parses the query of a log request; `now` is the server clock in ms. */
export function parseLogOptions(q: URLSearchParams, now: number): LogOptions {
  const opts: LogOptions = {follow: truthy(q.get('follow')), previous: truthy(q.get('previous')), timestamps: truthy(q.get('timestamps')), stream: 'All'}
  opts.tailLines = positiveInt(q, 'tailLines', 0)
  opts.limitBytes = positiveInt(q, 'limitBytes', 1)
  const sinceSeconds = positiveInt(q, 'sinceSeconds', 1)
  const sinceTime = q.get('sinceTime')
  if (sinceSeconds !== undefined) opts.since = now / 1000 - sinceSeconds
  else if (sinceTime) {
    const t = Date.parse(sinceTime)
    if (Number.isNaN(t)) throw new AgentError(400, 'BadRequest', `invalid value for sinceTime: ${JSON.stringify(sinceTime)}`)
    opts.since = t / 1000
  }
  const stream = q.get('stream')
  if (stream === 'Stdout' || stream === 'Stderr') opts.stream = stream
  return opts
}

/** Streams the logs of one container to `res`; ends `res` when docker ends the stream (or at limitBytes). */
export async function serveContainerLogs(docker: DockerApi, res: ServerResponse, ns: string, pod: string, container: string, opts: LogOptions): Promise<void> {
  const instances = await containerInstances(docker, ns, pod, container)
  if (instances.length === 0) throw new AgentError(400, 'BadRequest', `container "${container}" in pod "${pod}" is waiting to start: ContainerCreating`)
  let target = instances[0]
  if (opts.previous) {
    const prev = instances.find(i => i.restartCount === instances[0].restartCount - 1) ?? instances[1]
    if (!prev) throw new AgentError(400, 'BadRequest', `previous terminated container "${container}" in pod "${pod}" not found`)
    target = prev
  }
  const c = docker.getContainer(target.id)
  const info = await c.inspect()
  const tty = info.Config?.Tty === true
  const raw = asReadable(await c.logs({
    follow: opts.follow, stdout: opts.stream !== 'Stderr', stderr: opts.stream !== 'Stdout', timestamps: opts.timestamps,
    ...(opts.tailLines !== undefined ? {tail: opts.tailLines} : {}), ...(opts.since !== undefined ? {since: opts.since} : {}),
  }))

  res.writeHead(200, {'Content-Type': 'text/plain', 'Cache-Control': 'no-cache'})
  // Headers now: for follow the first line may be minutes away, and clients wait on the headers.
  res.flushHeaders()
  let left = opts.limitBytes ?? Infinity
  let done = false
  const finish = () => {
    if (done) return
    done = true
    raw.destroy()
    res.end()
  }
  const emit = (data: Buffer) => {
    if (done) return
    if (data.length >= left) {
      res.write(data.subarray(0, left))
      left = 0
      finish()
      return
    }
    left -= data.length
    // Backpressure: a slow reader pauses docker rather than growing our buffers.
    if (!res.write(data)) {
      raw.pause()
      res.once('drain', () => raw.resume())
    }
  }
  onContainerOutput(docker, raw, tty, (_channel, data) => emit(data))
  raw.on('end', finish)
  raw.on('error', finish)
  // The caller went away (kubectl logs -f interrupted, apiserver proxy closed): stop reading docker.
  res.on('close', finish)
}
