// Starts the HTTPS Kubernetes API over a Store: bootstrap, TLS listener (HTTP/2 and HTTP/1.1), upgrade handling.
import http2 from 'node:http2'
import type {AddressInfo} from 'node:net'
import {bootstrap} from './bootstrap.js'
import {startCrdController} from './crd/controller.js'
import {type ApiServerOptions, createHandler} from './server.js'
import {WatchCache} from './watchcache.js'
import {startCompaction} from './compaction.js'


/** A running apiserver. */
export interface RunningApiServer {
  port: number
  close(): Promise<void>
}

/** Bootstraps the store's system objects and listens on `opts.port` (0 picks a free port). */
export async function startApiServer(opts: ApiServerOptions): Promise<RunningApiServer> {
  const {ctx, handle, upgrade, health, stop} = await createHandler(opts)
  await bootstrap(ctx, opts.advertise, opts.disabledComponents)
  health.hookDone('poststarthook/rbac/bootstrap-roles')
  // Stored CRDs are served before the first request is accepted.
  const crds = await startCrdController(ctx)
  health.hookDone('poststarthook/start-apiextensions-controllers')
  const stopCompaction = startCompaction(opts.store)
  // requestCert without rejectUnauthorized: the handler verifies the chain so that token and
  // anonymous health requests still reach it.
  // HTTP/2 as Kubernetes' apiserver serves it (client-go multiplexes every watch over one connection), HTTP/1.1 for
  // the rest: exec/attach/port-forward upgrades and clients without ALPN. The handler reads only what both share.
  const server = http2.createSecureServer({
    cert: opts.tls.cert, key: opts.tls.key, ca: opts.tls.ca, requestCert: true, rejectUnauthorized: false, allowHTTP1: true,
    // A session's cap on buffered frames before it refuses new streams; dozens of watches share one session.
    maxSessionMemory: 64,
    settings: {maxConcurrentStreams: 1000},
  }, handle as unknown as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void)
  // HTTP/1.1 keep-alive, as before: longer than clients' idle reuse.
  Object.assign(server, {keepAliveTimeout: 65_000})
  const sockets = new Set<{destroy(): void}>()
  server.on('secureConnection', (socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  // exec/attach arrive as Upgrade requests, which Node delivers here rather than to the request handler.
  server.on('upgrade', upgrade)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => resolve())
  })
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>(resolve => {
      crds.stop()
      health.shuttingDown()
      stopCompaction()
      if (ctx.watchCache instanceof WatchCache) ctx.watchCache.close()
      stop()
      server.close(() => resolve())
      // Watches are long-lived: end them so close() does not wait for clients.
      for (const socket of sockets) socket.destroy()
    }),
  }
}
