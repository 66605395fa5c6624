// Shared shapes of verb handlers: what they receive and what they answer.
import type {IncomingMessage, ServerResponse} from 'node:http'
import type {ServerContext} from '../context.js'
import type {ResourceRequest} from '../route.js'
import type {UserInfo} from '../authn.js'

/** Everything a handler needs about one request. */
export interface HandlerInput {
  ctx: ServerContext
  r: ResourceRequest
  req: IncomingMessage
  res: ServerResponse
  user: UserInfo
  /** Raw body bytes (empty when none). */
  raw: Buffer
}

/** A JSON answer; handlers that stream (watch) write the response themselves and return undefined. */
export type HandlerResult = {code: number; body: unknown} | undefined
