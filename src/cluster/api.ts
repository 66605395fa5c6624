// The new cluster's API as seen from the host, with the admin certificate, while `cluster create` waits for it.
import {ApiClient} from '../client/api-client.js'
import type {CreateContext} from './create/context.js'

/** An API client for the cluster's published apiserver port; each request gives up after 2 s so polls stay brisk. */
export function adminClient(ctx: CreateContext): ApiClient {
  const pki = ctx.pki!
  return new ApiClient({
    server: `https://${ctx.config.networking.apiServerAddress}:${ctx.apiServerPort}`,
    ca: pki.ca.cert,
    cert: pki.admin.cert,
    key: pki.admin.key,
    userAgent: 'skiff-cli',
    timeoutMs: 2000,
  })
}
