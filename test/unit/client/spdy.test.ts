// Tests of the SPDY/3.1 library: dictionary, frame codec, header compression, sessions over TCP, upgrade and remote command.
import assert from 'node:assert/strict'
import {randomBytes} from 'node:crypto'
import {once} from 'node:events'
import http from 'node:http'
import net from 'node:net'
import type {Readable} from 'node:stream'
import zlib from 'node:zlib'
import {adler32, decodeHeaderBlock, encodeFrame, encodeHeaderBlock, exitCodeOf, FLAG_FIN, FrameParser, FrameReader, HeaderCompressor, HeaderDecompressor} from '../../../src/client/spdy/index.js'
import {headerValue, portForwardStream, PORT_FORWARD_PROTOCOL, REMOTE_COMMAND_V4, remoteCommand, RstStatus, SPDY_DICTIONARY, SpdyConnection} from '../../../src/client/spdy/index.js'
import {SpdyProtocolError, SpdyStream, SpdyStreamError, spdyUpgrade, SpdyUpgradeError, type DecodedFrame, type Frame, type SpdyHeaders} from '../../../src/client/spdy/index.js'

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
const collect = (stream: Readable): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    stream.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks))).on('error', reject)
  })

// What a stream yields until it closes: its data, whether it ended cleanly, the error it closed with.
const outcome = (stream: SpdyStream): Promise<{data: string; ended: boolean; error?: Error}> =>
  new Promise((resolve) => {
    const result: {data: string; ended: boolean; error?: Error} = {data: '', ended: false, error: undefined}
    stream.on('data', (c: Buffer) => (result.data += c.toString())).on('end', () => (result.ended = true))
    stream.on('error', (e) => (result.error = e)).on('close', () => resolve(result))
  })

// The chunks a paused Readable has buffered.
function readAll(stream: Readable): Buffer[] {
  const chunks: Buffer[] = []
  for (let c: Buffer | null; (c = stream.read() as Buffer | null) !== null; ) chunks.push(c)
  return chunks
}

// Feeds bytes to a fresh parser in chunks of the sizes `next` gives, returning every frame parsed.
function parseInChunks(bytes: Buffer, next: (size: number) => number): Frame[] {
  const [parser, frames] = [new FrameParser(), [] as Frame[]]
  for (let offset = 0, size = 1; offset < bytes.length; offset += size, size = next(size)) frames.push(...parser.push(bytes.subarray(offset, offset + size)))
  return frames
}

// Deflates header blocks as Go's framer does: one zlib context with the dictionary, best compression, a sync flush per block.
async function goStyleBlocks(list: SpdyHeaders[]): Promise<Buffer[]> {
  const [deflate, out, blocks] = [zlib.createDeflate({dictionary: SPDY_DICTIONARY, level: 9}), [] as Buffer[], [] as Buffer[]]
  deflate.on('readable', () => out.push(...readAll(deflate)))
  for (const headers of list) {
    deflate.write(encodeHeaderBlock(headers))
    await new Promise<void>((resolve) => deflate.flush(zlib.constants.Z_SYNC_FLUSH, () => resolve()))
    blocks.push(Buffer.concat([...out.splice(0), ...readAll(deflate)]))
  }
  deflate.destroy()
  return blocks
}

describe('SPDY dictionary and frames', () => {
  it('is the 1423-byte SPDY/3 dictionary: 65 length-prefixed words, then the raw tail', () => {
    assert.equal(SPDY_DICTIONARY.length, 1423)
    // The checksum of an independent copy of the spec's dictionary (zlib peers compare it), and adler32 checked on its own.
    assert.deepEqual([adler32(SPDY_DICTIONARY), adler32(Buffer.from('Wikipedia')), adler32(Buffer.alloc(100_000, 0xff))], [0xe3c6a7c2, 0x11e60398, 0x149a302c])
    const words: string[] = []
    let offset = 0
    for (let length = 0; words.at(-1) !== 'origin'; offset += 4 + length) {
      length = SPDY_DICTIONARY.readUInt32BE(offset)
      words.push(SPDY_DICTIONARY.toString('ascii', offset + 4, offset + 4 + length))
    }
    assert.deepEqual([words.length, words[0], words[57], words[59]], [65, 'options', '200 OK', 'HTTP/1.1'])
    const tail = SPDY_DICTIONARY.toString('ascii', offset)
    assert.ok(tail.startsWith('100101201202205206300') && tail.includes('503 Service UnavailableJan Feb') && tail.endsWith('publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.'))
  })

  const block = Buffer.from('compressed-ish')
  const sampleFrames: Frame[] = [
    {type: 'DATA', streamId: 1, flags: 0, data: Buffer.from('hello')}, {type: 'DATA', streamId: 0x7fffffff, flags: FLAG_FIN, data: Buffer.alloc(0)},
    {type: 'SYN_STREAM', streamId: 3, associatedId: 1, priority: 7, slot: 2, flags: 3, headerBlock: block}, {type: 'SYN_REPLY', streamId: 3, flags: FLAG_FIN, headerBlock: block},
    {type: 'RST_STREAM', streamId: 5, status: RstStatus.CANCEL}, {type: 'SETTINGS', flags: 1, entries: [{flags: 1, id: 7, value: 65536}, {flags: 0, id: 4, value: 0xffffffff}]},
    {type: 'PING', id: 0xfffffffe}, {type: 'GOAWAY', lastGoodStreamId: 9, status: 1}, {type: 'HEADERS', streamId: 2, flags: 0, headerBlock: block},
    {type: 'WINDOW_UPDATE', streamId: 0, delta: 0x7fffffff}, {type: 'UNKNOWN', controlType: 10, flags: 0, payload: Buffer.from([1, 2, 3])},
  ]

  it('round-trips every frame type, also fed one byte at a time or in uneven chunks, in the SPDY/3 layout', () => {
    const bytes = Buffer.concat(sampleFrames.map(encodeFrame))
    assert.deepEqual(new FrameParser().push(bytes), sampleFrames)
    assert.deepEqual(parseInChunks(bytes, () => 1), sampleFrames)
    const big: Frame = {type: 'DATA', streamId: 7, flags: 0, data: randomBytes(1 << 20)}
    assert.deepEqual(parseInChunks(Buffer.concat([encodeFrame(big), bytes]), (n) => (n * 7) % 65521), [big, ...sampleFrames])
    assert.deepEqual([...encodeFrame({type: 'PING', id: 1})], [0x80, 3, 0, 6, 0, 0, 0, 4, 0, 0, 0, 1])
    assert.deepEqual([...encodeFrame({type: 'DATA', streamId: 5, flags: FLAG_FIN, data: Buffer.from('a')})], [0, 0, 0, 5, 1, 0, 0, 1, 0x61])
    const syn = encodeFrame({type: 'SYN_STREAM', streamId: 1, associatedId: 0, priority: 3, slot: 0, flags: 0, headerBlock: block})
    assert.deepEqual([syn.readUIntBE(5, 3), syn[16]], [10 + block.length, 3 << 5])
  })

  it('rejects malformed frames and header blocks, refuses to build invalid frames, normalizes header names', () => {
    assert.throws(() => new FrameParser().push(Buffer.from([0x80, 3, 0, 3, 0, 0, 0, 4, 0, 0, 0, 1])), SpdyProtocolError) // RST_STREAM of 4 bytes
    assert.throws(() => new FrameParser().push(Buffer.from([0x80, 2, 0, 6, 0, 0, 0, 4, 0, 0, 0, 1])), /unsupported SPDY version 2/)
    assert.throws(() => encodeFrame({type: 'DATA', streamId: 1, flags: 0, data: Buffer.alloc(1 << 24)}), SpdyProtocolError)
    assert.throws(() => encodeFrame({type: 'RST_STREAM', streamId: -1, status: 1}), /invalid stream id/)
    // Header blocks: names lower-cased, repeated names merged, several values NUL-joined.
    const raw = encodeHeaderBlock({StreamType: 'error', accept: ['a', 'b'], Accept: 'c', empty: ''})
    assert.ok(raw.readUInt32BE(0) === 3 && raw.includes(Buffer.from('a\0b\0c')))
    assert.deepEqual(decodeHeaderBlock(raw), {streamtype: 'error', accept: ['a', 'b', 'c'], empty: ''})
    assert.equal(headerValue({accept: ['x', 'y']}, 'Accept'), 'x')
    assert.throws(() => decodeHeaderBlock(raw.subarray(0, raw.length - 1)), /truncated/)
  })
})

describe('SPDY header compression', () => {
  // The third block is over 64 KiB raw (several stored blocks) and inflates past zlib's 16 KiB high-water mark.
  const headerSets: SpdyHeaders[] = [{streamtype: 'error'}, {streamtype: 'data', port: '8080', requestid: '0'}, {big: 'x'.repeat(70_000) + randomBytes(20_000).toString('hex'), other: ['1', '2']}, {streamtype: 'stdin'}]

  it('emits a zlib stream of stored blocks that Node zlib inflates with the dictionary, block by block', () => {
    const compressor = new HeaderCompressor()
    const blocks = headerSets.map((h) => compressor.compress(h))
    assert.deepEqual([blocks[0][0], blocks[0][1], (0x78 * 256 + 0x20) % 31, blocks[0].readUInt32BE(2)], [0x78, 0x20, 0, adler32(SPDY_DICTIONARY)])
    assert.equal(blocks[1][0], 0x00, 'later blocks start directly with a non-final stored block')
    for (const b of blocks) assert.deepEqual([...b.subarray(-5)], [0, 0, 0, 0xff, 0xff], 'each ends with the sync-flush marker Go needs')
    for (let i = 0, previous = 0; i < blocks.length; i++) {
      // Inflating each prefix of the stream proves every block ends where a reader can stop.
      const out = zlib.inflateSync(Buffer.concat(blocks.slice(0, i + 1)), {dictionary: SPDY_DICTIONARY, finishFlush: zlib.constants.Z_SYNC_FLUSH})
      assert.deepEqual(decodeHeaderBlock(out.subarray(previous)), headerSets[i])
      previous = out.length
    }
  })

  it('decodes a stream deflated like Go does, in one context and in frame order, and rejects a corrupt one', async () => {
    const [blocks, decompressor] = [await goStyleBlocks(headerSets), new HeaderDecompressor()]
    for (const [i, compressed] of blocks.entries()) assert.deepEqual(await decompressor.decompress(compressed), headerSets[i])
    decompressor.close()
    await assert.rejects(new HeaderDecompressor().decompress(Buffer.from([0x78, 0x20, 1, 2, 3, 4, 0xff, 0xff])), SpdyProtocolError)
    // A FrameReader hands frames over in arrival order, though the header block before them takes a while to inflate.
    const seen: Array<DecodedFrame | null> = []
    const reader = new FrameReader((f) => seen.push(f), (err) => assert.fail(err))
    reader.push(Buffer.concat([encodeFrame({type: 'SYN_STREAM', streamId: 2, associatedId: 0, priority: 0, slot: 0, flags: 0, headerBlock: blocks[0]}), encodeFrame({type: 'PING', id: 1})]))
    reader.end() // the end, too, comes after the frames still waiting
    while (seen.at(-1) !== null) await sleep(1)
    assert.deepEqual(seen.map((f) => f && (f.type === 'SYN_STREAM' ? f.headers : f.type)), [headerSets[0], 'PING', null])
  })

  it('finds a small block fully readable in paused mode right after the Z_SYNC_FLUSH callback', async () => {
    // Not so for a block inflating past the 16 KiB high-water mark (the callback waits for a read): HeaderDecompressor also drains on 'readable'.
    const [sets, inflate]: [SpdyHeaders[], zlib.Inflate] = [[{a: '1'}, {b: '2'}], zlib.createInflate({dictionary: SPDY_DICTIONARY})]
    for (const [i, compressed] of (await goStyleBlocks(sets)).entries()) {
      inflate.write(compressed)
      await new Promise<void>((resolve) => inflate.flush(zlib.constants.Z_SYNC_FLUSH, () => resolve()))
      assert.deepEqual(decodeHeaderBlock(Buffer.concat(readAll(inflate))), sets[i])
    }
    inflate.destroy()
  })
})

describe('SpdyConnection over TCP', () => {
  let [listener, client, server, clientSocket, serverSocket] = [] as unknown as [net.Server, SpdyConnection, SpdyConnection, net.Socket, net.Socket]
  const nextStream = (conn: SpdyConnection): Promise<SpdyStream> => once(conn, 'stream').then(([s]) => s as SpdyStream)
  // A client-opened stream and its server side, replied and ready.
  async function openPair(headers: SpdyHeaders = {streamtype: 'x'}): Promise<[SpdyStream, SpdyStream]> {
    const [accepted, stream] = [nextStream(server), client.openStream(headers)]
    const peer = await accepted
    peer.reply()
    await stream.replied
    return [stream, peer]
  }

  beforeEach(async () => {
    listener = net.createServer().listen(0, '127.0.0.1')
    await once(listener, 'listening')
    const accepted = once(listener, 'connection')
    clientSocket = net.connect((listener.address() as net.AddressInfo).port, '127.0.0.1')
    serverSocket = ((await accepted) as [net.Socket])[0]
    ;[client, server] = [new SpdyConnection(clientSocket, {role: 'client'}), new SpdyConnection(serverSocket, {role: 'server'})]
  })

  afterEach(async () => {
    for (const end of [client, server]) end.close() // ends whatever streams a test left open, without errors
    for (const end of [clientSocket, serverSocket]) end.destroy()
    await new Promise((resolve) => listener.close(resolve))
  })

  it('opens a stream, half-closes it, and keeps data flowing the other way', async () => {
    const [accepted, stream] = [nextStream(server), client.openStream({StreamType: 'stdin', port: ['80', '81']})]
    const closed = [once(stream, 'close')]
    stream.end('hello')
    const peer = await accepted
    closed.push(once(peer, 'close'))
    assert.deepEqual([stream.id, peer.headers], [1, {streamtype: 'stdin', port: ['80', '81']}])
    peer.reply({answer: 'yes'})
    assert.deepEqual([await stream.replied, stream.headers], [{answer: 'yes'}, {answer: 'yes'}])
    assert.equal(String(await collect(peer)), 'hello') // the client's FIN is the server's EOF; the server still answers after it
    peer.end('after half-close')
    assert.equal(String(await collect(stream)), 'after half-close')
    await Promise.all(closed) // both directions closed: both ends are done
    assert.equal(client.openStream({n: '2'}).id, 3)
  })

  it('lets the server open streams (even ids); the acceptor writing first replies implicitly; writes wait for the reply', async () => {
    const [accepted, stream] = [nextStream(client), server.openStream({streamtype: 'push'})]
    const peer = await accepted
    peer.end('from client') // no reply(): an empty SYN_REPLY goes first, as Go peers drop data sent before one
    assert.deepEqual([stream.id, await stream.replied], [2, {}])
    stream.end('from server')
    assert.deepEqual((await Promise.all([collect(stream), collect(peer)])).map(String), ['from client', 'from server'])
    const laterAccepted = nextStream(server)
    client.openStream({streamtype: 'stdin'}).end('early data')
    const later = await laterAccepted
    const received = collect(later)
    await sleep(50)
    later.reply()
    assert.equal(String(await received), 'early data')
  })

  it('carries 1 MiB each way intact on streams side by side, sending WINDOW_UPDATEs only to a peer that sent SETTINGS', async () => {
    const [up, down, peers, parser, fromClient] = [randomBytes(1 << 20), randomBytes(1 << 20), new Map<string, Promise<Buffer>>(), new FrameParser(), [] as string[]]
    serverSocket.on('data', (chunk: Buffer) => fromClient.push(...parser.push(chunk).map((f) => f.type)))
    server.on('stream', (s: SpdyStream) => (peers.set(String(s.headers.name), collect(s)), s.headers.name === 'a' || s.headers.name === 'b' ? s.reply() : s.end(down)))
    const [big, ...small] = ['big', 'a', 'b'].map((name) => client.openStream({name}))
    big.end(up)
    for (let i = 0; i < 50; i++) small.forEach((s, j) => s.write(`${'ab'[j]}${i};`))
    small.forEach((s) => s.end())
    assert.ok((await collect(big)).equals(down) && (await peers.get('big'))?.equals(up))
    for (const name of ['a', 'b']) assert.equal(String(await peers.get(name)), Array.from({length: 50}, (_, i) => `${name}${i};`).join(''))
    assert.ok(!fromClient.includes('WINDOW_UPDATE')) // like Go's spdystream, this peer never sent SETTINGS
    serverSocket.write(encodeFrame({type: 'SETTINGS', flags: 0, entries: [{flags: 0, id: 7, value: 65536}]}))
    const [again] = await openPair({name: 'again'}) // the handler above sends `down` on it
    assert.ok((await collect(again)).equals(down))
    for (let i = 0; i < 100 && !fromClient.includes('WINDOW_UPDATE'); i++) await sleep(5) // they may still be on their way
    assert.ok(fromClient.includes('WINDOW_UPDATE'))
  })

  it('on RST_STREAM delivers the data sent before it, then fails the stream, unless the status is CANCEL', async () => {
    const [[failed, failedPeer], [cancelled, cancelledPeer]] = [await openPair(), await openPair({streamtype: 'error'})]
    const results = [outcome(failed), outcome(cancelled)]
    failedPeer.end('partial')
    failedPeer.reset(RstStatus.INTERNAL_ERROR)
    // Go servers finish an exec this way: the status on the error stream, then a CANCEL (k8s connection.Close).
    cancelledPeer.write('{"status":"Success"}')
    cancelledPeer.reset()
    const [failure, cancel] = await Promise.all(results)
    assert.ok(failure.data === 'partial' && failure.error instanceof SpdyStreamError && failure.error.status === RstStatus.INTERNAL_ERROR)
    assert.deepEqual(cancel, {data: '{"status":"Success"}', ended: true, error: undefined})
    assert.deepEqual([failed.resetStatus, cancelled.resetStatus], [RstStatus.INTERNAL_ERROR, RstStatus.CANCEL])
    // Writing to the finished stream fails through the callback only (no 'error' event), as with any destroyed stream.
    await new Promise<void>((resolve) => cancelled.write('late', (err) => (assert.ok(err), resolve())))
  })

  it('rejects `replied` when the peer refuses or has no stream listener, tells the peer of local resets, answers pings, fails on protocol errors', async () => {
    server.once('stream', (s: SpdyStream) => s.reset(RstStatus.REFUSED_STREAM))
    for (const streamtype of ['nope', 'nobody']) await assert.rejects(client.openStream({streamtype}).replied, (err: SpdyStreamError) => err.status === RstStatus.REFUSED_STREAM)
    const [stream, peer] = await openPair()
    const peerResult = outcome(peer)
    stream.reset()
    assert.deepEqual([await peerResult, peer.resetStatus], [{data: '', ended: true, error: undefined}, RstStatus.CANCEL])
    assert.throws(() => client.openStream({Connection: 'close'}), /not allowed/) // Go's framer rejects hop-by-hop headers
    for (const rtt of [await server.ping(), await client.ping(), await client.ping()]) assert.ok(rtt >= 0) // pings from either side
    const closed = once(server, 'close')
    clientSocket.write(Buffer.from([0x80, 0x02, 0x00, 0x06, 0, 0, 0, 4, 0, 0, 0, 1]))
    assert.match(((await closed) as [Error])[0].message, /unsupported SPDY version/)
  })

  it('destroys open streams when the connection drops, keeping what the peer had finished readable', async () => {
    server.on('stream', (s: SpdyStream) => (s.headers.streamtype === 'cut' ? s.write('half') : s.end('complete')))
    const [cut, finished] = [client.openStream({streamtype: 'cut'}), client.openStream({streamtype: 'finished'})]
    const cutResult = outcome(cut)
    let cutData = ''
    cut.on('data', (c: Buffer) => (cutData += c))
    await Promise.all([cut.replied, finished.replied])
    // Wait for the cut stream's data and the finished stream's FIN (Node marks a pushed end in its readable state), however loaded the machine.
    const finEnded = () => (finished as unknown as {_readableState: {ended: boolean}})._readableState.ended
    for (let i = 0; i < 500 && !(cutData === 'half' && finEnded()); i++) await sleep(10)
    await Promise.all([once(client, 'close'), serverSocket.destroy()])
    const {data, ended, error} = await cutResult
    assert.deepEqual([client.closed, data, ended, error instanceof SpdyStreamError], [true, 'half', false, true]) // cut short: an error
    assert.equal(String(await collect(finished)), 'complete') // never read before the drop, and not lost
    assert.throws(() => client.openStream({streamtype: 'late'}), /closing/)
  })

  it('close() resets the streams, sends GOAWAY and ends the session on both sides', async () => {
    const [stream, peer] = await openPair()
    const [peerResult, localResult, goaway, serverClosed] = [outcome(peer), outcome(stream), once(server, 'goaway'), once(server, 'close')]
    client.close()
    assert.deepEqual([(await localResult).error, await peerResult], [undefined, {data: '', ended: true, error: undefined}])
    assert.deepEqual([(await goaway)[0], await serverClosed], [{lastGoodStreamId: 0, status: 0}, [undefined]])
  })
})

// A stand-in for a CRI streaming server: answers the upgrade as Go's httpstream does, then hands over the SPDY session.
async function streamingServer(protocol: string, onSession: (conn: SpdyConnection, socket: net.Socket) => void, afterHead: Buffer = Buffer.alloc(0)) {
  const [sockets, sessions, requests] = [new Set<net.Socket>(), [] as SpdyConnection[], [] as http.IncomingMessage[]]
  const server = http.createServer((_req, res) => res.writeHead(400).end('unable to upgrade: missing upgrade headers in request'))
  server.on('connection', (socket: net.Socket) => sockets.add(socket))
  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket) => {
    requests.push(req)
    const body = `unable to upgrade: unable to negotiate protocol: server accepts [${protocol}]`
    if (!String(req.headers['x-stream-protocol-version']).split(', ').includes(protocol)) return void socket.end(`HTTP/1.1 403 Forbidden\r\nContent-Length: ${body.length}\r\n\r\n${body}`)
    socket.write(Buffer.concat([Buffer.from(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${protocol}\r\n\r\n`), afterHead]))
    sessions.push(new SpdyConnection(socket, {role: 'server'}))
    onSession(sessions[sessions.length - 1], socket)
  })
  await once(server.listen(0, '127.0.0.1'), 'listening')
  const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/exec/token123`
  // Closing the sessions first ends the server's streams quietly, wherever a test left them.
  return {url, requests, close: () => (sessions.forEach((s) => s.close()), sockets.forEach((s) => s.destroy()), new Promise((resolve) => server.close(resolve)))}
}

const FAILURE = {metadata: {}, status: 'Failure', message: 'command terminated with non-zero exit code: exit status 3', reason: 'NonZeroExitCode', details: {causes: [{reason: 'ExitCode', message: '3'}]}}
type ExecLog = {types: string[]; stdinEof: boolean; resizes: unknown[]}

// The server side of an exec, in the order Go's ServeExec goes: echo stdin upper-cased to stdout until stdin's EOF, end the
// output streams, write the status on the error stream, then reset every stream and close the session (k8s connection.Close).
function execSession(expected: number, log: ExecLog, status?: object) {
  return (conn: SpdyConnection): void => {
    const streams = new Map<string, SpdyStream>()
    conn.on('stream', (stream: SpdyStream) => {
      stream.reply()
      log.types.push(String(stream.headers.streamtype))
      if (streams.set(String(stream.headers.streamtype), stream).size < expected) return
      const [stdin, stdout, error] = [streams.get('stdin'), streams.get('stdout'), streams.get('error') as SpdyStream]
      streams.get('resize')?.on('data', (chunk: Buffer) => log.resizes.push(...chunk.toString().trim().split('\n').map((l) => JSON.parse(l) as unknown)))
      const finish = (): void => {
        streams.get('stderr')?.end('to stderr\n')
        stdout?.end()
        if (!status) return void error.end()
        error.write(JSON.stringify(status))
        conn.close()
      }
      if (!stdin) return finish()
      stdin.on('data', (chunk: Buffer) => stdout?.write(chunk.toString().toUpperCase())).on('end', () => ((log.stdinEof = true), finish()))
    })
  }
}

describe('spdyUpgrade and remoteCommand', () => {
  let server: Awaited<ReturnType<typeof streamingServer>> | undefined
  const newLog = (): ExecLog => ({types: [], stdinEof: false, resizes: []})
  afterEach(() => server?.close())

  it('upgrades with one X-Stream-Protocol-Version line per protocol, returns the chosen one, keeps bytes sent with the 101, reports refusals', async () => {
    const [parser, echoed] = [new FrameParser(), [] as Frame[]]
    server = await streamingServer(REMOTE_COMMAND_V4, (_conn, socket) => socket.on('data', (chunk: Buffer) => echoed.push(...parser.push(chunk))), encodeFrame({type: 'PING', id: 2}))
    const refused = await spdyUpgrade(server.url, {protocols: ['v1.bogus'], method: 'GET'}).catch((e: unknown) => e)
    assert.ok(refused instanceof SpdyUpgradeError && refused.statusCode === 403 && /unable to negotiate protocol/.test(refused.body) && /HTTP 403/.test(refused.message))
    const {connection, protocol} = await spdyUpgrade(server.url, {protocols: ['v5.channel.k8s.io', REMOTE_COMMAND_V4], headers: {Authorization: 'Bearer t'}})
    const {method, url, headers, rawHeaders} = server.requests[1]
    assert.deepEqual([protocol, method, url, headers.upgrade, headers.connection, headers.authorization], [REMOTE_COMMAND_V4, 'POST', '/exec/token123', 'SPDY/3.1', 'Upgrade', 'Bearer t'])
    assert.equal(rawHeaders.filter((name, i) => i % 2 === 0 && name.toLowerCase() === 'x-stream-protocol-version').length, 2)
    // The PING came in the same packet as the 101 head, so it reached the client as the upgrade's `head`: it gets answered.
    while (!echoed.length) await sleep(5)
    assert.deepEqual([echoed, connection.role], [[{type: 'PING', id: 2}], 'client'])
  })

  it('runs a command: stdin to EOF, stdout and stderr, and the Failure status written just before the streams are reset', async () => {
    const log = newLog()
    server = await streamingServer(REMOTE_COMMAND_V4, execSession(4, log, FAILURE))
    const rc = await remoteCommand(server.url, {stdin: true, stdout: true, stderr: true})
    const [output, errors] = [collect(rc.stdout as Readable), collect(rc.stderr as Readable)]
    rc.resize(80, 24) // no TTY: nothing to send
    rc.stdin?.write('hello ')
    rc.stdin?.end('world')
    const status = await rc.status
    assert.deepEqual([status, exitCodeOf(status), String(await output), String(await errors)], [FAILURE, 3, 'HELLO WORLD', 'to stderr\n'])
    assert.deepEqual([log.stdinEof, log.types], [true, ['error', 'stdin', 'stdout', 'stderr']])
  })

  it('with a TTY opens a resize stream instead of stderr, sends sizes as JSON; an error stream closed empty means Success', async () => {
    const log = newLog()
    server = await streamingServer(REMOTE_COMMAND_V4, execSession(4, log))
    const rc = await remoteCommand(server.url, {stdin: true, stdout: true, stderr: true, tty: true})
    const output = collect(rc.stdout as Readable)
    rc.resize(80, 24)
    rc.resize(120, 40)
    rc.stdin?.end('ls\n')
    const status = await rc.status
    assert.deepEqual([rc.stderr, status, exitCodeOf(status), String(await output)], [undefined, {metadata: {}, status: 'Success'}, 0, 'LS\n'])
    assert.deepEqual([log.types, log.resizes], [['error', 'stdin', 'stdout', 'resize'], [{Width: 80, Height: 24}, {Width: 120, Height: 40}]])
  })

  it('rejects the status when the session breaks before the server wrote it', async () => {
    server = await streamingServer(REMOTE_COMMAND_V4, (conn, socket) => conn.on('stream', (s: SpdyStream) => (s.reply(), s.headers.streamtype === 'stdout' && setTimeout(() => socket.destroy(), 20))))
    const rc = await remoteCommand(server.url, {stdin: true, stdout: true})
    rc.stdout?.on('error', () => undefined)
    await assert.rejects(rc.status, SpdyStreamError)
  })

  it('opens port-forward stream pairs with port and request id headers', async () => {
    const seen: SpdyHeaders[] = []
    server = await streamingServer(PORT_FORWARD_PROTOCOL, (conn) => {
      const pairs = new Map<string, Map<string, SpdyStream>>()
      conn.on('stream', (s: SpdyStream) => {
        seen.push(s.headers)
        const found = pairs.get(String(s.headers.requestid)) ?? new Map<string, SpdyStream>()
        pairs.set(String(s.headers.requestid), found.set(String(s.headers.streamtype), s))
        s.reply()
        const [error, data] = [found.get('error'), found.get('data')]
        if (!error || !data) return
        if (s.headers.port === '9999') return void (error.end('no such port 9999'), data.end()) // nothing listens there
        void collect(data).then((up) => (data.end(Buffer.from([...up].reverse())), error.end()))
      })
    })
    const {connection, protocol} = await spdyUpgrade(server.url, {protocols: [PORT_FORWARD_PROTOCOL]})
    const ok = portForwardStream(connection, 8080, 0)
    ok.data.end('ping')
    assert.deepEqual([protocol, String(await collect(ok.data)), await ok.error], [PORT_FORWARD_PROTOCOL, 'gnip', ''])
    assert.equal(await portForwardStream(connection, 9999, 1).error, 'no such port 9999')
    assert.deepEqual(seen.slice(0, 2), [{streamtype: 'error', port: '8080', requestid: '0'}, {streamtype: 'data', port: '8080', requestid: '0'}])
    connection.close()
  })
})
