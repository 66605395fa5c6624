// Port forwarding for `kubectl port-forward`: kubectl's SPDY session (raw, or carried in a WebSocket) relayed stream by stream to the runtime's port-forward session, which dials the port inside the pod's network namespace.
import type {IncomingMessage} from 'node:http'
import type {Duplex} from 'node:stream'
import {createWebSocketStream, type WebSocket} from 'ws'
import {PORT_FORWARD_PROTOCOL, SpdyConnection, type SpdyStream} from '../../client/spdy/index.js'
import {AgentError} from './status.js'

/** Port forwarding's SPDY session tunnelled in a WebSocket, which kubectl 1.31+ tries first. */
export const PORT_FORWARD_WS_PROTOCOL = `SPDY/3.1+${PORT_FORWARD_PROTOCOL}`

/** Whether an upgrade request is a raw SPDY one offering the port-forward protocol. */
export function isSpdyPortForward(req: IncomingMessage): boolean {
  if (String(req.headers.upgrade ?? '').toLowerCase() !== 'spdy/3.1') return false
  const offered = ([] as string[]).concat(req.headers['x-stream-protocol-version'] ?? []).flatMap((v) => v.split(',').map((s) => s.trim()))
  return offered.includes(PORT_FORWARD_PROTOCOL)
}

/** Accepts a raw SPDY upgrade: the 101 that names the protocol, then the server side of the session on the socket. */
export function acceptSpdy(socket: Duplex, head: Buffer): SpdyConnection {
  socket.write(['HTTP/1.1 101 Switching Protocols', 'Connection: Upgrade', 'Upgrade: SPDY/3.1', `X-Stream-Protocol-Version: ${PORT_FORWARD_PROTOCOL}`, '', ''].join('\r\n'))
  if (head.length > 0) socket.unshift(head)
  return new SpdyConnection(socket, {role: 'server'})
}

/** The server side of a SPDY session carried as bytes in binary WebSocket messages. */
export function spdyOverWebSocket(ws: WebSocket): SpdyConnection {
  const stream = createWebSocketStream(ws)
  stream.on('error', () => stream.destroy())
  return new SpdyConnection(stream, {role: 'server'})
}

/**
 * Relays every stream kubectl opens (an error and a data stream per forwarded connection, tied by requestid) to a
 * stream with the same headers on the runtime's session, opened on first use; data flows both ways with half-closes.
 * Ends when either session does.
 */
export function relayPortForward(client: SpdyConnection, upstream: () => Promise<SpdyConnection>, log: (m: string) => void): void {
  let up: Promise<SpdyConnection> | undefined
  const connect = () => {
    if (!up) {
      up = upstream()
      up.then((c) => c.on('close', () => client.close()), () => undefined)
    }
    return up
  }
  client.on('stream', (s: SpdyStream) => {
    void (async () => {
      try {
        const conn = await connect()
        const peer = conn.openStream(s.headers)
        await peer.replied
        s.reply()
        s.pipe(peer)
        peer.pipe(s)
        const drop = () => {
          s.destroy()
          peer.destroy()
        }
        s.on('error', drop)
        peer.on('error', drop)
      } catch (err) {
        log(`port-forward stream ${JSON.stringify(s.headers)}: ${(err as Error).message}`)
        s.reset()
      }
    })()
  })
  client.on('close', () => void up?.then((c) => c.close(), () => undefined))
}

/** The check before accepting: the pod must have a running sandbox; refusals are answered before the upgrade. */
export function noSandbox(pod: string): AgentError {
  return new AgentError(400, 'BadRequest', `pod ${pod} has no running sandbox to forward ports into`)
}
