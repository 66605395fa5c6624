// The SPDY/3 zlib dictionary for header blocks, built from its structure: length-prefixed words, then a raw ASCII tail.

// Header names and common values, each stored as a 4-byte big-endian length followed by the word (SPDY/3 section 2.6.10.1).
const WORDS = [
  'options', 'head', 'post', 'put', 'delete', 'trace', 'accept', 'accept-charset', 'accept-encoding', 'accept-language',
  'accept-ranges', 'age', 'allow', 'authorization', 'cache-control', 'connection', 'content-base', 'content-encoding',
  'content-language', 'content-length', 'content-location', 'content-md5', 'content-range', 'content-type', 'date', 'etag',
  'expect', 'expires', 'from', 'host', 'if-match', 'if-modified-since', 'if-none-match', 'if-range', 'if-unmodified-since',
  'last-modified', 'location', 'max-forwards', 'pragma', 'proxy-authenticate', 'proxy-authorization', 'range', 'referer',
  'retry-after', 'server', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'user-agent', 'vary', 'via', 'warning',
  'www-authenticate', 'method', 'get', 'status', '200 OK', 'version', 'HTTP/1.1', 'url', 'public', 'set-cookie', 'keep-alive',
  'origin',
]

// Status codes, reason phrases, dates and common values, concatenated without separators or length prefixes.
const TAIL = [
  '100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505',
  '203 Non-Authoritative Information',
  '204 No Content',
  '301 Moved Permanently',
  '400 Bad Request',
  '401 Unauthorized',
  '403 Forbidden',
  '404 Not Found',
  '500 Internal Server Error',
  '501 Not Implemented',
  '503 Service Unavailable',
  'Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT',
  'chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,text/javascript,public',
  'private',
  'max-age=',
  'gzip,deflate,sdch',
  'charset=utf-8',
  'charset=iso-8859-1,utf-,*,enq=0.',
].join('')

function build(): Buffer {
  const parts: Buffer[] = []
  for (const word of WORDS) {
    const length = Buffer.alloc(4)
    length.writeUInt32BE(word.length)
    parts.push(length, Buffer.from(word, 'ascii'))
  }
  parts.push(Buffer.from(TAIL, 'ascii'))
  return Buffer.concat(parts)
}

/** The SPDY/3 header compression dictionary (1423 bytes, no trailing NUL), as Go's spdy framer and Chromium use it. */
export const SPDY_DICTIONARY: Buffer = build()
