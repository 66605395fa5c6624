#!/usr/bin/env node
// Bundles the CLI (oclif, every command, most of their dependencies) into dist/skiff.cjs, the one file bin/run.js loads.
//
// Why one file: @oclif/core and its dependencies are ~180 CommonJS modules, and each module Node resolves, reads and
// compiles costs start-up time; one script is read once and, through bin/load-bundle.js's compile cache, not compiled
// again at all.
// Why CommonJS: only a classic script can be given V8's code cache on Node 20 (vm.Script cachedData), and a required
// module stays lazy in esbuild's output: each command's code (and its dependencies') is evaluated only when that
// command is looked up, so `skiff get` never evaluates what `cluster create` needs.
import {readdirSync, statSync} from 'node:fs'
import {createHash} from 'node:crypto'
import * as fs from 'node:fs/promises'
import {dirname, join, relative, resolve} from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'
import {build} from 'esbuild'
import ts from 'typescript'

const root = resolve(fileURLToPath(import.meta.url), '../..')

/** The command files under src/commands; ids follow from their paths as oclif's pattern discovery names them. */
function commandFiles(dir = join(root, 'src', 'commands')) {
  return readdirSync(dir)
    .flatMap((f) => (statSync(join(dir, f)).isDirectory() ? commandFiles(join(dir, f)) : f.endsWith('.ts') ? [join(dir, f)] : []))
    .sort()
}

/**
 * The bundle's entry: oclif's `execute`, and the commands by id for oclif's `explicit` discovery (package.json
 * oclif.commands). Each command is a getter around a require(), which esbuild keeps lazy, so oclif touching
 * COMMANDS[id] evaluates that one command's module graph and nothing else.
 */
function entrySource() {
  const commands = commandFiles().map((file) => {
    const id = relative(join(root, 'src', 'commands'), file).replace(/\.ts$/, '').split('/').join(':')
    return `  get ${JSON.stringify(id)}() { return require(${JSON.stringify(`./${relative(root, file)}`)}).default },`
  })
  return `export {execute} from '@oclif/core'\nexport const COMMANDS = {\n${commands.join('\n')}\n}\n`
}

/**
 * client-node's KubeConfig reaches the generated API (gen/index.js: every model and API class) only from
 * makeApiClient, which skiff never calls: it speaks HTTP itself. A stub there leaves out about half of the package.
 */
const withoutGeneratedApi = {
  name: 'client-node-without-generated-api',
  setup(b) {
    b.onResolve({filter: /^\.\/gen\/index\.js$/}, (args) =>
      /@kubernetes\/client-node\/dist\/config\.js$/.test(args.importer) ? {path: join(root, 'scripts/stubs/client-node-gen.mjs')} : undefined,
    )
  },
}

/**
 * Classes client-node's config.js imports but only constructs for a proxy-url cluster or a fetch-based client, and
 * each package's module tree takes milliseconds to evaluate (socks with ip-address, node-fetch with its streams).
 * Its only use of each is `new X(...)`, so a stand-in class whose constructor returns the real instance, required on
 * first use, behaves the same; the build fails if config.js starts using them some other way.
 */
const LAZY_CLASSES = {'socks-proxy-agent': ['SocksProxyAgent'], hpagent: ['HttpProxyAgent', 'HttpsProxyAgent'], 'node-fetch': ['Headers']}

const lazyClientNodeClasses = {
  name: 'client-node-lazy-classes',
  setup(b) {
    const importer = /@kubernetes\/client-node\/dist\/config\.js$/
    b.onResolve({filter: new RegExp(`^(${Object.keys(LAZY_CLASSES).join('|')})$`)}, (args) =>
      importer.test(args.importer) ? {path: args.path, namespace: 'lazy-class', pluginData: {resolveDir: dirname(args.importer)}} : undefined,
    )
    b.onLoad({filter: /.*/, namespace: 'lazy-class'}, (args) => ({
      resolveDir: args.pluginData.resolveDir,
      loader: 'js',
      contents: LAZY_CLASSES[args.path]
        .map((name) => `export class ${name} { constructor(...args) { return new (require(${JSON.stringify(args.path)}).${name})(...args) } }`)
        .join('\n'),
    }))
    b.onLoad({filter: importer}, async (args) => {
      const source = await fs.readFile(args.path, 'utf8')
      for (const name of Object.values(LAZY_CLASSES).flat()) {
        const uses = source.match(new RegExp(`\\b${name}\\b`, 'g')).length - 1
        const constructs = (source.match(new RegExp(`new ${name}\\(`, 'g')) ?? []).length
        if (uses !== constructs) throw new Error(`client-node's config.js uses ${name} other than with new: update LAZY_CLASSES in scripts/bundle-cli.mjs`)
      }
      return {contents: source, loader: 'js'}
    })
  },
}

/**
 * Exact edits of @oclif/core's sources in the bundle, each putting a stand-in from scripts/stubs/oclif-fast-paths.cjs
 * in place of a call that costs milliseconds at every start (see that file for what each saves and why the answer
 * is the same). An edit whose text is not found once fails the build, so an oclif upgrade cannot silently skip it.
 */
const FAST_PATHS = `require(${JSON.stringify(join(root, 'scripts/stubs/oclif-fast-paths.cjs'))})`
const OCLIF_EDITS = {
  'lib/config/plugin.js': [['.sort((a, b) => a.id.localeCompare(b.id));', `.sort((a, b) => ${FAST_PATHS}.compareIds(a.id, b.id));`]],
  'lib/index.js': [["const semver = require('semver');", `const semver = ${FAST_PATHS};`]],
  'lib/config/plugin-loader.js': [['(0, minimatch_1.minimatch)(p, w)', `${FAST_PATHS}.matchesPackage(p, w)`]],
}

const oclifFastPaths = {
  name: 'oclif-fast-paths',
  setup(b) {
    b.onLoad({filter: /@oclif\/core\/lib\/(config\/plugin|index|config\/plugin-loader)\.js$/}, async (args) => {
      const edits = OCLIF_EDITS[Object.keys(OCLIF_EDITS).find((f) => args.path.endsWith(`/@oclif/core/${f}`))]
      let source = await fs.readFile(args.path, 'utf8')
      for (const [from, to] of edits) {
        if (source.split(from).length !== 2) throw new Error(`${args.path} no longer has \`${from}\` once: update OCLIF_EDITS in scripts/bundle-cli.mjs`)
        source = source.replace(from, () => to)
      }
      return {contents: source, loader: 'js'}
    })
  },
}

/**
 * esbuild's ASCII charset escapes strings, templates and identifiers but copies regular expression literals as they
 * are (ansis has a raw U+009B in one). A \uXXXX escape means the same character there, so escape what is left.
 */
function asciiOnly(text) {
  return text.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

/**
 * Sends the bundle's remaining import() calls (oclif loading ESM plugins and hooks, tsx in development, the node
 * bundle script in a source checkout) through __skiffImport. Why: Node 20 drops a script's dynamic-import callback
 * when V8 compiles it from a code cache, and import() then throws ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING; the
 * function bin/run.js hands bin/load-bundle.js is its own import(), in a module Node loaded itself, where import()
 * always works. Finds the calls with TypeScript's parser, so an `import(` in a string, a comment or a method name is
 * left alone.
 */
function routeDynamicImports(text) {
  const file = ts.createSourceFile('skiff.cjs', text, ts.ScriptTarget.Latest, false, ts.ScriptKind.JS)
  const starts = []
  const visit = (node) => {
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) starts.push(node.expression.getStart(file))
    ts.forEachChild(node, visit)
  }
  visit(file)
  let out = ''
  let at = 0
  for (const start of starts.sort((a, b) => a - b)) {
    out += `${text.slice(at, start)}__skiffImport`
    at = start + 'import'.length
  }
  // Loaded by Node's own require (no code cache: `oclif manifest`, SKIFF_NO_COMPILE_CACHE), import() works as it is.
  const fallback = "const __skiffImport = globalThis[Symbol.for('skiff.import')] ?? ((specifier) => import(specifier));\n"
  return {text: fallback + out + text.slice(at), count: starts.length}
}

/** Builds dist/skiff.cjs; returns its path and size. */
export async function bundleCli({outfile = join(root, 'dist', 'skiff.cjs')} = {}) {
  const result = await build({
    absWorkingDir: root,
    stdin: {contents: entrySource(), resolveDir: root, sourcefile: 'skiff-cli-entry.js', loader: 'js'},
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    write: false,
    outfile,
    logLevel: 'warning',
    // Less to read at every start; identifiers stay, so stack traces still name functions.
    minifyWhitespace: true,
    minifySyntax: true,
    // ASCII (non-ASCII characters escaped), so bin/load-bundle.js can read the source as latin1: V8 takes a one-byte
    // string as it is, where decoding UTF-8 costs a few milliseconds per start.
    charset: 'ascii',
    plugins: [withoutGeneratedApi, lazyClientNodeClasses, oclifFastPaths],
    alias: {'whatwg-url': './scripts/stubs/whatwg-url.cjs', ssh2: './scripts/stubs/ssh2.cjs'},
    external: [
      // oclif reaches for these only to run TypeScript sources in development (bin/dev.js), from the project's own
      // node_modules; bundling typescript would add 6 MB to every start.
      'typescript',
      'ts-node',
      'tsx',
      // Native addons cannot be bundled.
      'cpu-features',
      '*.node',
      // Large packages only the cluster commands use (certificates, tarballs, task lists, the cluster config's YAML
      // positions, config init's prompts): loaded from node_modules by the commands that need them. In the bundle
      // they were 1.9 of its 3 MB, which every command read and every compile cache held (measured: `get` 6 ms less
      // CPU without them; the cluster commands that load them take seconds anyway).
      '@peculiar/x509',
      'tar',
      'listr2',
      'yaml',
      'inquirer',
    ],
    // The sources are ESM; in a CJS bundle import.meta is empty, so give import.meta.url its CJS equivalent.
    banner: {js: "const __skiff_import_meta_url = require('node:url').pathToFileURL(__filename).href;"},
    define: {'import.meta.url': '__skiff_import_meta_url'},
  })
  const routed = routeDynamicImports(result.outputFiles[0].text)
  const code = Buffer.from(asciiOnly(routed.text))
  // bin/load-bundle.js keys its compile cache on this line: V8 checks a cache against the source's length, not its
  // content, so a rebuild must not find the old build's cache.
  const id = createHash('sha256').update(code).digest('hex').slice(0, 16)
  const out = Buffer.concat([code, Buffer.from(`//# skiff-build=${id}\n`)])
  await fs.mkdir(join(root, 'dist'), {recursive: true})
  const tmp = `${outfile}.${process.pid}.tmp`
  await fs.writeFile(tmp, out)
  await fs.rename(tmp, outfile)
  return {outfile, bytes: out.length, id, dynamicImports: routed.count}
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const t0 = Date.now()
  bundleCli().then(
    (r) => console.log(`bundled the CLI -> ${relative(root, r.outfile)}: ${Math.round(r.bytes / 1024)} KiB, build ${r.id}, ${r.dynamicImports} import() calls routed (${Date.now() - t0} ms)`),
    (error) => {
      console.error(error.message ?? error)
      process.exit(1)
    },
  )
}
