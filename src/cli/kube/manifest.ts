// Reads manifests from files, directories, URLs or stdin: multi-document YAML or JSON, List kinds flattened, in the order to apply them.
import {readdir, readFile, stat} from 'node:fs/promises'
import {join} from 'node:path'
import yaml from 'js-yaml'
import {SkiffError} from '../../errors.js'
import type {KubeObject} from './types.js'

/** One object and where it came from, for messages that name the file and document. */
export interface ManifestDoc {
  source: string
  /** 1-based index of the document in its file. */
  index: number
  object: KubeObject
}

/** A document that could not be read, kept to report beside the ones that could. */
export interface ManifestProblem {
  source: string
  index?: number
  message: string
}

const EXTENSIONS = /\.(ya?ml|json)$/i

/** Expands -f arguments to the files they name: a directory gives its manifest files (recursively with -R). */
export async function expandSources(args: string[], recursive: boolean): Promise<string[]> {
  const out: string[] = []
  for (const a of args) {
    if (a === '-' || /^https?:\/\//.test(a)) {
      out.push(a)
      continue
    }
    let info
    try {
      info = await stat(a)
    } catch {
      throw new SkiffError(`the path "${a}" does not exist`, {exitCode: 1})
    }
    if (info.isDirectory()) out.push(...(await walk(a, recursive)))
    else out.push(a)
  }
  return out
}

async function walk(dir: string, recursive: boolean): Promise<string[]> {
  const entries = (await readdir(dir, {withFileTypes: true})).sort((a, b) => a.name.localeCompare(b.name))
  const out: string[] = []
  for (const e of entries) {
    const p = join(dir, e.name)
    if (e.isDirectory()) {
      if (recursive) out.push(...(await walk(p, true)))
    } else if (EXTENSIONS.test(e.name)) out.push(p)
  }
  return out
}

/** The text of a source: a file, `-` for stdin, or an http(s) URL. */
export async function readSource(source: string): Promise<string> {
  if (source === '-') {
    const chunks: Buffer[] = []
    for await (const c of process.stdin) chunks.push(c as Buffer)
    return Buffer.concat(chunks).toString('utf8')
  }
  if (/^https?:\/\//.test(source)) {
    const res = await fetch(source).catch((err: Error) => {
      throw new SkiffError(`cannot fetch ${source}: ${err.message}`, {exitCode: 1})
    })
    if (!res.ok) throw new SkiffError(`cannot fetch ${source}: HTTP ${res.status}`, {exitCode: 1})
    return res.text()
  }
  return readFile(source, 'utf8')
}

/** Splits one file's text into objects; a document that is not an object with apiVersion and kind becomes a problem. */
export function parseManifest(source: string, text: string): {docs: ManifestDoc[]; problems: ManifestProblem[]} {
  const docs: ManifestDoc[] = []
  const problems: ManifestProblem[] = []
  let parsed: unknown[]
  try {
    parsed = yaml.loadAll(text)
  } catch (err) {
    const e = err as yaml.YAMLException
    const line = e.mark ? ` (line ${e.mark.line + 1})` : ''
    return {docs, problems: [{source, message: `error parsing ${source}${line}: ${e.reason ?? e.message}`}]}
  }
  let index = 0
  for (const doc of parsed) {
    index++
    if (doc === null || doc === undefined) continue
    const push = (o: unknown) => {
      const obj = o as KubeObject
      if (typeof o !== 'object' || Array.isArray(o)) problems.push({source, index, message: 'the document is not an object'})
      else if (!obj.apiVersion || !obj.kind) problems.push({source, index, message: `${obj.apiVersion ? 'kind' : 'apiVersion'} not set`})
      else docs.push({source, index, object: obj})
    }
    const list = doc as KubeObject & {items?: unknown}
    if (typeof list.kind === 'string' && list.kind.endsWith('List') && Array.isArray(list.items)) for (const item of list.items) push(item)
    else push(doc)
  }
  return {docs, problems}
}

/** Namespaces first, then CustomResourceDefinitions, then the rest in file order: what others need exists before them. */
export function applyOrder(docs: ManifestDoc[]): ManifestDoc[] {
  const rank = (d: ManifestDoc) => (d.object.kind === 'Namespace' ? 0 : d.object.kind === 'CustomResourceDefinition' ? 1 : 2)
  return docs.map((d, i) => ({d, i})).sort((a, b) => rank(a.d) - rank(b.d) || a.i - b.i).map((x) => x.d)
}

/** Reads every -f source into ordered documents and the problems met on the way. */
export async function loadManifests(args: string[], recursive: boolean): Promise<{docs: ManifestDoc[]; problems: ManifestProblem[]}> {
  const docs: ManifestDoc[] = []
  const problems: ManifestProblem[] = []
  for (const source of await expandSources(args, recursive)) {
    const r = parseManifest(source === '-' ? 'STDIN' : source, await readSource(source))
    docs.push(...r.docs)
    problems.push(...r.problems)
  }
  if (!docs.length && !problems.length) throw new SkiffError('no objects passed to apply', {exitCode: 1})
  return {docs: applyOrder(docs), problems}
}
