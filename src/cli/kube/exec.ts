// Client side of exec over WebSocket (v5.channel.k8s.io, falling back to v4): one byte of stream id, then data; the exit code from the Status.
import WebSocket from 'ws'
import type {KubeClient} from './client.js'

const STDIN = 0
const STDOUT = 1
const STDERR = 2
const ERROR = 3
const RESIZE = 4
/** v5's close frame: [255, stream] says a stream (stdin) has ended. */
const CLOSE = 255

export interface ExecOptions {
  namespace: string
  pod: string
  container: string
  command: string[]
  stdin: boolean
  tty: boolean
}

/** The exit code a remote command's final Status carries (0 on Success; 1 when it failed without one). */
export function exitCodeFromStatus(status: {status?: string; reason?: string; message?: string; details?: {causes?: Array<{reason?: string; message?: string}>}}): number {
  if (status.status === 'Success') return 0
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode')
  return cause?.message ? Number(cause.message) : 1
}

/** Runs the command in the container with this process's stdio; resolves with the command's exit code. */
export async function execInPod(client: KubeClient, o: ExecOptions): Promise<{code: number; message?: string}> {
  const {url, options} = await client.upgradeOptions(`/api/v1/namespaces/${encodeURIComponent(o.namespace)}/pods/${encodeURIComponent(o.pod)}/exec`, {
    command: o.command,
    container: o.container,
    stdin: o.stdin || undefined,
    stdout: true,
    stderr: !o.tty || undefined,
    tty: o.tty || undefined,
  })
  const ws = new WebSocket(url, ['v5.channel.k8s.io', 'v4.channel.k8s.io'], {...options, headers: options.headers as Record<string, string>})
  return new Promise((resolve, reject) => {
    let result: {code: number; message?: string} | undefined
    const stdin = process.stdin
    const onData = (chunk: Buffer) => ws.send(Buffer.concat([Buffer.from([STDIN]), chunk]))
    const onResize = () => ws.send(Buffer.concat([Buffer.from([RESIZE]), Buffer.from(JSON.stringify({Width: process.stdout.columns, Height: process.stdout.rows}))]))
    ws.on('open', () => {
      if (o.tty && process.stdout.isTTY) {
        onResize()
        process.stdout.on('resize', onResize)
      }
      if (!o.stdin) return
      if (o.tty && stdin.isTTY) stdin.setRawMode(true)
      stdin.on('data', onData)
      stdin.on('end', () => {
        if (ws.protocol === 'v5.channel.k8s.io') ws.send(Buffer.from([CLOSE, STDIN]))
      })
      stdin.resume()
    })
    ws.on('message', (data: Buffer) => {
      const channel = data[0]
      const body = data.subarray(1)
      if (channel === STDOUT) process.stdout.write(body)
      else if (channel === STDERR) process.stderr.write(body)
      else if (channel === ERROR && body.length) {
        const status = JSON.parse(body.toString('utf8')) as Parameters<typeof exitCodeFromStatus>[0]
        result = {code: exitCodeFromStatus(status), message: status.status === 'Success' ? undefined : status.message}
      }
    })
    ws.on('unexpected-response', (_req, res) => {
      let text = ''
      res.on('data', (d: Buffer) => (text += d))
      res.on('end', () => reject(new Error(`exec refused (HTTP ${res.statusCode}): ${text.trim()}`)))
    })
    ws.on('error', reject)
    ws.on('close', () => {
      stdin.off('data', onData)
      process.stdout.off('resize', onResize)
      if (o.tty && stdin.isTTY) stdin.setRawMode(false)
      stdin.pause()
      resolve(result ?? {code: 0})
    })
  })
}
