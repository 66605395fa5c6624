// Forwarding of names outside the cluster to the node's upstream resolvers, over UDP (TCP when the answer is truncated), with a small TTL-bounded cache.
import * as dgram from 'node:dgram'
import * as net from 'node:net'
import dnsPacket, {type DecodedPacket, type Question} from 'dns-packet'
import {type Clock, realClock} from '../api/clock.js'

/** Options of the forwarder. */
export interface ForwarderOptions {
  upstreams: string[]
  clock?: Clock
  timeoutMs?: number
  /** Most entries kept; the oldest go first. */
  cacheSize?: number
  /** Longest a forwarded answer is cached, whatever its TTL says (seconds). */
  maxTtl?: number
}

interface CacheEntry {
  response: Buffer
  expires: number
}

/** Sends queries upstream and caches the answers by question. */
export class Forwarder {
  private readonly cache = new Map<string, CacheEntry>()
  private readonly clock: Clock

  constructor(private readonly opts: ForwarderOptions) {
    this.clock = opts.clock ?? realClock
  }

  /**
   * The upstream's answer to a query (raw bytes, its id rewritten to the query's), from the cache when still fresh.
   * Tries each upstream in turn; rejects when none answers.
   */
  async resolve(query: DecodedPacket, raw: Buffer): Promise<Buffer> {
    const q = query.questions?.[0]
    const key = q ? cacheKey(q) : undefined
    const hit = key ? this.cache.get(key) : undefined
    if (hit && hit.expires > this.clock.now()) return withId(hit.response, query.id ?? 0)
    let lastErr: unknown
    for (const upstream of this.opts.upstreams) {
      try {
        let response = await udpQuery(upstream, raw, this.opts.timeoutMs ?? 2000)
        if (dnsPacket.decode(response).flag_tc) response = await tcpQuery(upstream, raw, this.opts.timeoutMs ?? 2000)
        if (key) this.remember(key, response)
        return response
      } catch (err) {
        lastErr = err
      }
    }
    throw lastErr ?? new Error('no upstream resolver')
  }

  private remember(key: string, response: Buffer): void {
    const decoded = dnsPacket.decode(response)
    const rcode = (decoded.flags ?? 0) & 0xf
    // Answers and NXDOMAIN are cached; server failures are not.
    if (rcode !== 0 && rcode !== 3) return
    const ttls = [...(decoded.answers ?? []), ...(decoded.authorities ?? [])].map((a) => ('ttl' in a && typeof a.ttl === 'number' ? a.ttl : 0))
    const ttl = Math.min(this.opts.maxTtl ?? 30, ...(ttls.length ? ttls : [5]))
    if (ttl <= 0) return
    if (this.cache.size >= (this.opts.cacheSize ?? 10_000)) this.cache.delete(this.cache.keys().next().value as string)
    this.cache.set(key, {response, expires: this.clock.now() + ttl * 1000})
  }
}

function cacheKey(q: Question): string {
  return `${q.name.toLowerCase()}/${q.type}/${q.class ?? 'IN'}`
}

function withId(response: Buffer, id: number): Buffer {
  const copy = Buffer.from(response)
  copy.writeUInt16BE(id, 0)
  return copy
}

function splitHostPort(upstream: string): {host: string; port: number} {
  const m = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(upstream)
  return {host: m?.[1] ?? upstream, port: Number(m?.[2] ?? 53)}
}

/** One query over UDP; resolves the raw response. */
function udpQuery(upstream: string, raw: Buffer, timeoutMs: number): Promise<Buffer> {
  const {host, port} = splitHostPort(upstream)
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4')
    const timer = setTimeout(() => done(new Error(`${upstream}: no answer within ${timeoutMs} ms`)), timeoutMs)
    const done = (err?: Error, msg?: Buffer) => {
      clearTimeout(timer)
      sock.close()
      if (err) reject(err)
      else resolve(msg!)
    }
    sock.on('message', (msg) => msg.readUInt16BE(0) === raw.readUInt16BE(0) && done(undefined, msg))
    sock.on('error', (err) => done(err))
    sock.send(raw, port, host)
  })
}

/** One query over TCP (two-byte length prefix); resolves the raw response. */
function tcpQuery(upstream: string, raw: Buffer, timeoutMs: number): Promise<Buffer> {
  const {host, port} = splitHostPort(upstream)
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, host)
    let buf = Buffer.alloc(0)
    sock.setTimeout(timeoutMs, () => sock.destroy(new Error(`${upstream}: no TCP answer within ${timeoutMs} ms`)))
    sock.on('connect', () => {
      const len = Buffer.alloc(2)
      len.writeUInt16BE(raw.length)
      sock.write(Buffer.concat([len, raw]))
    })
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d])
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        resolve(buf.subarray(2, 2 + buf.readUInt16BE(0)))
        sock.end()
      }
    })
    sock.on('error', reject)
  })
}
