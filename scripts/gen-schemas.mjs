#!/usr/bin/env node
// Derives Kubernetes' API schemas (types, formats, descriptions) from the kubernetes-models package at build time.
//
// kubernetes-models is generated from Kubernetes' published OpenAPI specification: its type declarations carry the
// structure and documentation, its compiled validators know the number formats. Nothing here is copied into the
// repository; the output, src/api/schema/generated/definitions.json, is rebuilt by `npm run build`.
//
// Output: {definitions: {"io.k8s.api.apps.v1.Deployment": Schema, ...}} with Schema a small OpenAPI subset:
//   {type, format?, description?, properties?, required?, items?, additionalProperties?, enum?, $ref?}
import * as fs from 'node:fs'
import {createRequire} from 'node:module'
import * as path from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(path.join(root, 'package.json'))
const ts = require('typescript')
const out = path.join(root, 'src/api/schema/generated/definitions.json')

const packages = ['kubernetes-models', '@kubernetes-models/apimachinery']
  .map((p) => path.dirname(require.resolve(`${p}/package.json`)))

/** "IoK8sApiAppsV1DeploymentSpec" → "io.k8s.api.apps.v1.DeploymentSpec", as the OpenAPI document names it. */
const prefixes = [
  ['IoK8sApimachineryPkgApisMetaV1', 'io.k8s.apimachinery.pkg.apis.meta.v1.'],
  ['IoK8sApimachineryPkgUtilIntstr', 'io.k8s.apimachinery.pkg.util.intstr.'],
  ['IoK8sApimachineryPkgApiResource', 'io.k8s.apimachinery.pkg.api.resource.'],
  ['IoK8sApimachineryPkgRuntime', 'io.k8s.apimachinery.pkg.runtime.'],
  ['IoK8sApimachineryPkgVersion', 'io.k8s.apimachinery.pkg.version.'],
  ['IoK8sApiextensionsApiserverPkgApisApiextensionsV1', 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.'],
  ['IoK8sApiextensionsApiserverPkgApisApiextensionsV1beta1', 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1beta1.'],
  ['IoK8sKubeAggregatorPkgApisApiregistrationV1', 'io.k8s.kube-aggregator.pkg.apis.apiregistration.v1.'],
]
function openapiName(id) {
  // The rest must start a new word, so that ...ApiextensionsV1 does not claim ...ApiextensionsV1beta1Foo.
  for (const [p, dotted] of prefixes) if (id.startsWith(p) && /^[A-Z]/.test(id.slice(p.length))) return dotted + id.slice(p.length)
  const m = /^IoK8sApi([A-Z][a-z]+)(V\d+(?:(?:alpha|beta)\d+)?)([A-Z].*)$/.exec(id)
  return m ? `io.k8s.api.${m[1].toLowerCase()}.${m[2].toLowerCase()}.${m[3]}` : undefined
}

function walk(dir, files = []) {
  for (const e of fs.readdirSync(dir, {withFileTypes: true})) {
    const p = path.join(dir, e.name)
    if (e.isDirectory() && e.name !== 'node_modules' && e.name !== '_schemas') walk(p, files)
    else if (e.name.endsWith('.d.ts') && e.name !== 'index.d.ts') files.push(p)
  }
  return files
}

function doc(node) {
  const text = ts.getJSDocCommentsAndTags(node).map((d) => (typeof d.comment === 'string' ? d.comment : '')).join('\n').trim()
  return text || undefined
}

/** The schema of a TypeScript type node from a declaration file. */
function typeSchema(node, aliases) {
  switch (node.kind) {
    case ts.SyntaxKind.StringKeyword: return {type: 'string'}
    case ts.SyntaxKind.NumberKeyword: return {type: 'number'}
    case ts.SyntaxKind.BooleanKeyword: return {type: 'boolean'}
    case ts.SyntaxKind.AnyKeyword:
    case ts.SyntaxKind.UnknownKeyword:
    case ts.SyntaxKind.ObjectKeyword: return {}
    case ts.SyntaxKind.ArrayType: return {type: 'array', items: typeSchema(node.elementType, aliases)}
    case ts.SyntaxKind.ParenthesizedType: return typeSchema(node.type, aliases)
    case ts.SyntaxKind.LiteralType: return {type: 'string', enum: [node.literal.text]}
    case ts.SyntaxKind.UnionType: {
      const parts = node.types.map((t) => typeSchema(t, aliases))
      if (parts.every((p) => p.enum)) return {type: 'string', enum: parts.flatMap((p) => p.enum)}
      return {}
    }
    case ts.SyntaxKind.TypeLiteral: {
      const index = node.members.find((m) => m.kind === ts.SyntaxKind.IndexSignature)
      if (index) return {type: 'object', additionalProperties: typeSchema(index.type, aliases)}
      return {type: 'object'}
    }
    case ts.SyntaxKind.TypeReference: {
      const name = node.typeName.getText()
      if (name === 'Array' && node.typeArguments?.length === 1) return {type: 'array', items: typeSchema(node.typeArguments[0], aliases)}
      if (name === 'Record' && node.typeArguments?.length === 2) return {type: 'object', additionalProperties: typeSchema(node.typeArguments[1], aliases)}
      const target = aliases.get(name) ?? name
      const ref = target.startsWith('I') ? openapiName(target.slice(1)) : undefined
      if (ref) return {$ref: ref}
      throw new Error(`unknown type reference ${name}`)
    }
    default:
      throw new Error(`unhandled type node ${ts.SyntaxKind[node.kind]}`)
  }
}

/** Reads one declaration file: the definition it exports under its OpenAPI id, or undefined. */
function readDefinition(file) {
  const src = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true)
  const aliases = new Map()
  let id
  let local
  for (const st of src.statements) {
    if (ts.isImportDeclaration(st) && st.importClause?.namedBindings && ts.isNamedImports(st.importClause.namedBindings)) {
      for (const el of st.importClause.namedBindings.elements) aliases.set(el.name.text, (el.propertyName ?? el.name).text)
    }
    if (ts.isExportDeclaration(st) && st.exportClause && ts.isNamedExports(st.exportClause)) {
      for (const el of st.exportClause.elements) {
        if (el.name.text.startsWith('IIo')) {
          id = el.name.text.slice(1)
          local = (el.propertyName ?? el.name).text
        }
      }
    }
  }
  const name = id && openapiName(id)
  if (!name) return undefined
  // A definition may refer to itself (JSONSchemaProps) by its local name.
  aliases.set(local, `I${id}`)
  for (const st of src.statements) {
    if (ts.isInterfaceDeclaration(st) && st.name.text === local) {
      const properties = {}
      const required = []
      for (const m of st.members) {
        if (!ts.isPropertySignature(m) || !m.type) continue
        const key = ts.isStringLiteral(m.name) ? m.name.text : m.name.getText()
        properties[key] = {...typeSchema(m.type, aliases), ...(doc(m) ? {description: doc(m)} : {})}
        if (!m.questionToken) required.push(key)
      }
      // An interface without properties (RawExtension, FieldsV1) is a free-form object.
      const shape = Object.keys(properties).length ? {properties, ...(required.length ? {required} : {})} : {}
      return [name, id, {type: 'object', ...(doc(st) ? {description: doc(st)} : {}), ...shape}]
    }
    if (ts.isTypeAliasDeclaration(st) && st.name.text === local) {
      const special = {
        'io.k8s.apimachinery.pkg.util.intstr.IntOrString': {type: 'string', format: 'int-or-string', 'x-kubernetes-int-or-string': true},
        'io.k8s.apimachinery.pkg.api.resource.Quantity': {type: 'string', format: 'quantity'},
        'io.k8s.apimachinery.pkg.apis.meta.v1.Time': {type: 'string', format: 'date-time'},
        'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime': {type: 'string', format: 'date-time'},
      }
      const schema = special[name] ?? typeSchema(st.type, aliases)
      return [name, id, {...schema, ...(doc(st) ? {description: doc(st)} : {})}]
    }
  }
  return undefined
}

/** Fills in integer formats (int32/int64) and string formats (byte) by asking the package's validators. */
async function probeFormats(defs, ids, pkgDir) {
  for (const [name, schema] of Object.entries(defs)) {
    if (!schema.properties) continue
    const id = ids.get(name)
    const file = pkgDir.map((d) => path.join(d, '_schemas', `${id}.js`)).find((f) => fs.existsSync(f))
    if (!file) continue
    const {validate} = await import(pathToFileURL(file).href)
    const failing = (value) => {
      validate(value)
      return validate.errors ?? []
    }
    for (const [key, prop] of Object.entries(schema.properties)) {
      // Numbers may sit directly on the field, in an array or in a map.
      const slot = prop.type === 'number' ? prop : prop.items?.type === 'number' ? prop.items : prop.additionalProperties?.type === 'number' ? prop.additionalProperties : undefined
      const wrap = (v) => (slot === prop ? v : slot === prop.items ? [v] : {k: v})
      const at = (errs, kw) => errs.find((e) => e.instancePath.startsWith(`/${key}`) && e.keyword === kw)
      if (slot) {
        if (at(failing({[key]: wrap(1.5)}), 'type')) {
          slot.type = 'integer'
          slot.format = at(failing({[key]: wrap(2 ** 31)}), 'format') ? 'int32' : 'int64'
        } else {
          slot.format = 'double'
        }
      }
      const str = prop.type === 'string' ? prop : prop.additionalProperties?.type === 'string' ? prop.additionalProperties : undefined
      if (str && !str.enum) {
        const err = at(failing({[key]: str === prop ? '!' : {k: '!'}}), 'format')
        if (err) str.format = err.params.format
      }
    }
  }
}

const defs = {}
const ids = new Map()
for (const dir of packages) {
  for (const file of walk(dir)) {
    const d = readDefinition(file)
    if (!d) continue
    defs[d[0]] = d[2]
    ids.set(d[0], d[1])
  }
}
await probeFormats(defs, ids, packages)
const dangling = new Set()
JSON.stringify(defs, (k, v) => {
  if (k === '$ref' && typeof v === 'string' && !defs[v]) dangling.add(v)
  return v
})
if (dangling.size) throw new Error(`schemas reference missing definitions: ${[...dangling].join(', ')}`)
fs.mkdirSync(path.dirname(out), {recursive: true})
fs.writeFileSync(out, JSON.stringify({source: `kubernetes-models@${require('kubernetes-models/package.json').version}`, definitions: defs}))
console.log(`schemas: ${Object.keys(defs).length} definitions → ${path.relative(root, out)}`)
