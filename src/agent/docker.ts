// Minimal client of the node's inner dockerd over its unix socket: just what registration needs (ping, version).
import * as http from 'node:http'

/** What the agent asks of the container runtime at registration. */
export interface RuntimeProbe {
  /** Resolves when the daemon answers /_ping, rejects otherwise. */
  ping(): Promise<void>
  /** The daemon's version, e.g. "20.10.24+dfsg1". */
  version(): Promise<string>
  /** The daemon's unix socket, when the probe talks to a real one (the pod manager runs containers there). */
  readonly socketPath?: string
}

function getOverSocket(socketPath: string, path: string, timeoutMs: number): Promise<{code: number; body: string}> {
  return new Promise((resolve, reject) => {
    const req = http.request({socketPath, path, method: 'GET', headers: {Host: 'docker'}}, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c) => (body += c))
      res.on('end', () => resolve({code: res.statusCode ?? 0, body}))
      res.on('error', reject)
    })
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`docker ${path}: timed out`)))
    req.on('error', reject)
    req.end()
  })
}

/** The inner dockerd at socketPath (plain HTTP over the unix socket; dockerode would be far heavier for two calls). */
export function dockerProbe(socketPath = '/var/run/docker.sock'): RuntimeProbe {
  return {
    socketPath,
    async ping() {
      const {code, body} = await getOverSocket(socketPath, '/_ping', 2000)
      if (code !== 200) throw new Error(`docker /_ping answered ${code}: ${body.trim()}`)
    },
    async version() {
      const {code, body} = await getOverSocket(socketPath, '/version', 5000)
      if (code !== 200) throw new Error(`docker /version answered ${code}`)
      return String(JSON.parse(body).Version ?? 'unknown')
    },
  }
}
