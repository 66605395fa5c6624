// GET /containerLogs/{ns}/{pod}/{container}: a container's logs from its CRI log file as a text/plain stream, with the kubelet's query parameters.
import {constants} from 'node:fs'
import {access} from 'node:fs/promises'
import type {ServerResponse} from 'node:http'
import {readContainerLog} from '../cri/logs.js'
import type {StreamRuntime} from './runtime.js'
import {AgentError} from './status.js'
import {queryFlag} from '../../api/query.js'

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

/** Parses the query of a log request; `now` is the server clock in ms. */
export function parseLogOptions(q: URLSearchParams, now: number): LogOptions {
  const opts: LogOptions = {follow: queryFlag(q, 'follow'), previous: queryFlag(q, 'previous'), timestamps: queryFlag(q, 'timestamps'), stream: 'All'}
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

/** Streams the logs of one container from its CRI log file to `res`; ends `res` when the reader ends (or at limitBytes). */
export async function serveContainerLogs(rt: StreamRuntime, res: ServerResponse, ns: string, pod: string, container: string, opts: LogOptions): Promise<void> {
  const instances = await rt.containerInstances(ns, pod, container)
  if (instances.length === 0) throw new AgentError(400, 'BadRequest', `container "${container}" in pod "${pod}" is waiting to start: ContainerCreating`)
  let target = instances[0]
  if (opts.previous) {
    const prev = instances.find((i) => i.restartCount === instances[0].restartCount - 1) ?? instances[1]
    if (!prev) throw new AgentError(400, 'BadRequest', `previous terminated container "${container}" in pod "${pod}" not found`)
    target = prev
  }
  if (!target.logPath) throw new AgentError(400, 'BadRequest', `container "${container}" in pod "${pod}" has no log file`)
  // A file that cannot be read fails before any output: answer that as a Status rather than a cut 200.
  await access(target.logPath, constants.R_OK).catch((err) => {
    throw new AgentError(500, 'InternalError', `reading the log of container "${container}" in pod "${pod}": ${(err as Error).message}`)
  })
  const abort = new AbortController()
  const reader = readContainerLog({
    path: target.logPath,
    // A previous (exited) instance is never followed, as the kubelet does.
    follow: opts.follow && !opts.previous,
    isRunning: () => rt.isRunning(target.id),
    tailLines: opts.tailLines,
    since: opts.since,
    timestamps: opts.timestamps,
    limitBytes: opts.limitBytes,
    stream: opts.stream,
    signal: abort.signal,
  })
  res.writeHead(200, {'Content-Type': 'text/plain', 'Cache-Control': 'no-cache'})
  // Headers now: for follow the first line may be minutes away, and clients wait on the headers.
  res.flushHeaders()
  // The caller went away (kubectl logs -f interrupted, apiserver proxy closed): stop reading the file.
  res.on('close', () => abort.abort())
  reader.on('error', () => res.destroy())
  reader.pipe(res)
}
