// Reads objects for get/describe/delete/wait: lists or named objects of one type, as Tables or as plain objects.
import {createInterface} from 'node:readline'
import {TABLE_ACCEPT, type KubeClient} from './client.js'
import {humanDuration, type Table} from './printers.js'
import {resourcePath} from './resolve.js'
import {ApiError, type KubeObject, type ResourceInfo} from './types.js'

/** Which objects of a type: named ones, or those matching selectors in a namespace (none: all namespaces). */
export interface Query {
  namespace?: string
  names: string[]
  labelSelector?: string
  fieldSelector?: string
}

/** Objects found and the errors met for names that could not be read (kubectl goes on past them). */
export interface Fetched<T> {
  result: T
  errors: ApiError[]
}

function listQuery(q: Query): Record<string, string | undefined> {
  return {labelSelector: q.labelSelector, fieldSelector: q.fieldSelector}
}

/** The scope a query reads: a namespace for namespaced types (unless all namespaces), nothing for cluster-scoped ones. */
function ns(r: ResourceInfo, q: Query): string | undefined {
  return r.namespaced ? q.namespace : undefined
}

/** Follows `continue` tokens so a server that pages still returns everything. */
async function listAll<T extends {metadata?: {continue?: string; resourceVersion?: string}}>(client: KubeClient, path: string, q: Query, accept: string, merge: (acc: T, next: T) => void, extra: Record<string, string | undefined> = {}): Promise<T> {
  let first: T | undefined
  let token: string | undefined
  do {
    const page: T = await client.get<T>(path, {accept, query: {...listQuery(q), ...extra, limit: 500, continue: token}})
    if (first) merge(first, page)
    else first = page
    token = page.metadata?.continue || undefined
  } while (token)
  return first!
}

/** How much of each object a Table row carries: its metadata (the server's default), all of it (for --sort-by), or none. */
export type IncludeObject = 'Object' | 'Metadata' | 'None'

/** A Table of the queried objects, as the server prints them; a server without Tables gets NAME and AGE. */
export async function fetchTable(client: KubeClient, r: ResourceInfo, q: Query, opts: {includeObject?: IncludeObject} = {}): Promise<Fetched<Table>> {
  const errors: ApiError[] = []
  const tables: Table[] = []
  const extra = {includeObject: opts.includeObject}
  if (q.names.length) {
    for (const name of q.names) {
      try {
        tables.push(asTable(await client.get(resourcePath(r, ns(r, q), name), {accept: TABLE_ACCEPT, query: extra})))
      } catch (err) {
        if (err instanceof ApiError) errors.push(err)
        else throw err
      }
    }
  } else {
    const t = await listAll<KubeObject & Table>(client, resourcePath(r, ns(r, q)), q, TABLE_ACCEPT, (a, b) => {
      if (a.kind === 'Table') a.rows.push(...asTable(b).rows)
      else (a.items as KubeObject[]).push(...((b.items as KubeObject[]) ?? []))
    }, extra)
    tables.push(asTable(t))
  }
  const columns = tables[0]?.columnDefinitions ?? []
  return {result: {kind: 'Table', metadata: tables[0]?.metadata, columnDefinitions: columns, rows: tables.flatMap((t) => t.rows)}, errors}
}

/** A Table as is, or a plain object or list turned into NAME/AGE rows. */
export function asTable(body: KubeObject): Table {
  if (body.kind === 'Table') return body as unknown as Table
  const items = Array.isArray(body.items) ? (body.items as KubeObject[]) : [body]
  const now = Date.now()
  return {
    kind: 'Table',
    metadata: {resourceVersion: (body.metadata?.resourceVersion as string | undefined) ?? ''},
    columnDefinitions: [{name: 'Name', type: 'string'}, {name: 'Age', type: 'string'}],
    rows: items.map((o) => ({
      cells: [o.metadata?.name ?? '', o.metadata?.creationTimestamp ? humanDuration(now - Date.parse(o.metadata.creationTimestamp)) : '<unknown>'],
      object: o,
    })),
  }
}

/** The queried objects themselves, each with its apiVersion and kind set (list items arrive without them). */
export async function fetchObjects(client: KubeClient, r: ResourceInfo, q: Query): Promise<Fetched<KubeObject[]>> {
  const apiVersion = r.group ? `${r.group}/${r.version}` : r.version
  const errors: ApiError[] = []
  const out: KubeObject[] = []
  if (q.names.length) {
    for (const name of q.names) {
      try {
        out.push(await client.get(resourcePath(r, ns(r, q), name)))
      } catch (err) {
        if (err instanceof ApiError) errors.push(err)
        else throw err
      }
    }
  } else {
    const list = await listAll<KubeObject>(client, resourcePath(r, ns(r, q)), q, 'application/json', (a, b) => {
      ;(a.items as KubeObject[]).push(...((b.items as KubeObject[]) ?? []))
    })
    for (const item of (list.items as KubeObject[]) ?? []) out.push({apiVersion, kind: r.kind, ...item})
  }
  return {result: out, errors}
}

/** One event of a watch stream. */
export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR'
  object: KubeObject
}

/** Streams watch events of a collection from `resourceVersion` until the server closes or `signal` aborts. */
export async function* watchEvents(client: KubeClient, r: ResourceInfo, q: Query, opts: {resourceVersion?: string; accept?: string; signal?: AbortSignal} = {}): AsyncGenerator<WatchEvent> {
  const fieldSelector = q.names.length === 1 ? [`metadata.name=${q.names[0]}`, q.fieldSelector].filter(Boolean).join(',') : q.fieldSelector
  const res = await client.open('GET', resourcePath(r, ns(r, q)), {
    accept: opts.accept ?? 'application/json',
    query: {watch: 'true', labelSelector: q.labelSelector, fieldSelector, resourceVersion: opts.resourceVersion, allowWatchBookmarks: 'true'},
  })
  if ((res.statusCode ?? 0) >= 300) {
    let text = ''
    for await (const c of res) text += c
    throw ApiError.fromResponse(res.statusCode ?? 0, text)
  }
  opts.signal?.addEventListener('abort', () => res.destroy())
  const lines = createInterface({input: res, crlfDelay: Infinity})
  try {
    for await (const line of lines) if (line.trim()) yield JSON.parse(line) as WatchEvent
  } catch (err) {
    if (!opts.signal?.aborted) throw err
  }
}
