// watch: newline-delimited JSON events from a resourceVersion, with selectors, Tables, bookmarks and 410.
import type {KubeObject, WatchEvent} from '../../api/types.js'
import {apiVersionOf} from '../../api/registry.js'
import type {StoreEvent} from '../../store/index.js'
import {prefixOf, toApiObject} from '../context.js'
import {errors} from '../errors.js'
import {wantsTable, toTable} from '../table.js'
import {listObjects, requestSelector} from './read.js'
import {awaitRevision, parseResourceVersion} from './resourceversion.js'
import type {HandlerInput, HandlerResult} from './types.js'
import {queryFlag} from '../../api/query.js'

const bookmarkIntervalMs = 30_000

/** GET ...?watch=true: streams until timeoutSeconds, a store error or the client going away. */
export async function watch(input: HandlerInput): Promise<HandlerResult> {
  const {ctx, r, req, res} = input
  const def = r.def
  const q = r.query
  const selector = requestSelector(q)
  const table = wantsTable(req)
  const includeObject = q.get('includeObject')
  const bookmarks = queryFlag(q, 'allowWatchBookmarks')
  const rvParam = q.get('resourceVersion')
  const sendInitial = queryFlag(q, 'sendInitialEvents')

  let from: number
  let initial: KubeObject[] = []
  if (!rvParam || rvParam === '0' || sendInitial) {
    // Synthetic ADDED events for the current state, then changes after the list's revision.
    const listQuery = new URLSearchParams(q)
    listQuery.delete('limit')
    listQuery.delete('continue')
    const state = await listObjects(ctx, def, r.namespace, listQuery)
    initial = state.items
    from = state.revision
  } else {
    from = parseResourceVersion(rvParam)!
    // A revision the store has not reached yet: wait briefly, then 504 "Too large resource version".
    await awaitRevision(ctx, from)
  }

  // No Content-Length: HTTP/1.1 chunks the stream by itself; HTTP/2 forbids naming Transfer-Encoding at all.
  res.writeHead(200, {'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private'})
  res.flushHeaders()
  let lastRevision = from
  let columnsSent = false
  let closed = false

  const send = (ev: WatchEvent) => {
    if (closed) return
    let object: unknown = ev.object
    if (table && (ev.type === 'ADDED' || ev.type === 'MODIFIED' || ev.type === 'DELETED')) {
      object = toTable(ctx, def, [ev.object], {resourceVersion: ev.object.metadata.resourceVersion}, includeObject, !columnsSent)
      columnsSent = true
    }
    res.write(JSON.stringify({type: ev.type, object}) + '\n')
  }

  let cancel = () => {}
  let timer: NodeJS.Timeout | undefined
  let bookmarkTimer: NodeJS.Timeout | undefined
  const finish = () => {
    if (closed) return
    closed = true
    cancel()
    clearTimeout(timer)
    clearInterval(bookmarkTimer)
    res.end()
  }
  // req 'close' fires once the body is read; only the response's close means the client left.
  res.on('close', finish)

  for (const obj of initial) send({type: 'ADDED', object: obj})
  if (sendInitial && bookmarks) {
    send({type: 'BOOKMARK', object: {kind: def.kind, apiVersion: apiVersionOf(def), metadata: {resourceVersion: String(from), annotations: {'k8s.io/initial-events-end': 'true'}}}})
  }

  const onEvent = (ev: StoreEvent) => {
    if (closed) return
    lastRevision = Math.max(lastRevision, ev.revision)
    const obj = toApiObject(def, {value: ev.value, modRevision: ev.revision})
    const matches = !selector || selector(obj)
    if (ev.type === 'delete') {
      if (matches) send({type: 'DELETED', object: obj})
      return
    }
    const prevMatched = !ev.created && ev.prev !== undefined && (!selector || selector(toApiObject(def, {value: ev.prev, modRevision: ev.revision})))
    if (matches) send({type: prevMatched || (!selector && !ev.created) ? 'MODIFIED' : 'ADDED', object: obj})
    else if (prevMatched) send({type: 'DELETED', object: obj})
  }
  cancel = (ctx.watchCache ?? ctx.store).watch(prefixOf(def, r.namespace), from, {
    onEvent,
    onError: err => {
      const status = err.code === 'Expired'
        ? errors.expired(`too old resource version: ${from} (${err.current ?? lastRevision})`).toStatus()
        : errors.internal(err.message).toStatus()
      send({type: 'ERROR', object: status as never})
      finish()
    },
  })
  const timeout = Number(q.get('timeoutSeconds') ?? 0)
  if (timeout > 0) timer = setTimeout(finish, timeout * 1000)
  if (bookmarks) {
    bookmarkTimer = setInterval(() => send({type: 'BOOKMARK', object: {kind: def.kind, apiVersion: apiVersionOf(def), metadata: {resourceVersion: String(lastRevision)}}}), bookmarkIntervalMs)
  }
  return undefined
}
