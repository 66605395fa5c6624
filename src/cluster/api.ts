// Reads the new cluster's API from the host with the admin certificate, while it is being created.
import * as https from 'node:https'
import type {CreateContext} from './create/context.js'
import type {GetJSON} from './create/wait.js'

/** A JSON GET against the cluster's published apiserver port with the admin credentials. */
export function apiGetter(ctx: CreateContext): GetJSON {
  const pki = ctx.pki!
  const agent = new https.Agent({keepAlive: true, ca: pki.ca.cert, cert: pki.admin.cert, key: pki.admin.key, maxSockets: 2})
  const host = ctx.config.networking.apiServerAddress
  return (path) =>
    new Promise((resolve, reject) => {
      const req = https.get({host, port: ctx.apiServerPort, path, agent, timeout: 2000, headers: {accept: 'application/json'}}, (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (c) => (body += c))
        res.on('end', () => {
          if ((res.statusCode ?? 500) >= 300) return reject(new Error(`GET ${path}: HTTP ${res.statusCode} ${body.slice(0, 200)}`))
          try {
            resolve(body.startsWith('{') || body.startsWith('[') ? JSON.parse(body) : body)
          } catch (err) {
            reject(err)
          }
        })
      })
      req.on('timeout', () => req.destroy(new Error(`GET ${path}: timed out`)))
      req.on('error', reject)
    })
}
