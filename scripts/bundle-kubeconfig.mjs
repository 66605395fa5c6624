#!/usr/bin/env node
// Bundles client-node's KubeConfig into dist/vendor/kubeconfig.js: importing the package loads ~1000 generated API modules (~0.5 s), the bundle ~0.07 s.
import {cwd} from 'node:process'
import {build} from 'esbuild'

/**
 * The package declares no sideEffects, so esbuild keeps every generated API module that config.js's import of
 * gen/index.js reaches. Those modules only define classes; marking them side-effect free lets tree shaking drop
 * the ones KubeConfig never uses (a third of the bundle, ~15 ms of every command's start-up).
 */
const generatedCodeIsPure = {
  name: 'client-node-generated-code-is-pure',
  setup(b) {
    b.onResolve({filter: /.*/}, async (args) => {
      if (args.pluginData === 'inner') return undefined
      const r = await b.resolve(args.path, {resolveDir: args.resolveDir, kind: args.kind, importer: args.importer, pluginData: 'inner'})
      // Unresolvable optional requires (ws's bufferutil...) are left to esbuild, which tolerates them in try/catch.
      if (r.errors.length) return undefined
      return /node_modules\/@kubernetes\/client-node\/dist\/gen\//.test(r.path) ? {...r, sideEffects: false} : r
    })
  },
}

await build({
  stdin: {contents: "export {KubeConfig} from '@kubernetes/client-node'", resolveDir: cwd(), loader: 'js'},
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: 'dist/vendor/kubeconfig.js',
  logLevel: 'warning',
  // Less to parse at every start; identifiers stay, so stack traces still read.
  minifyWhitespace: true,
  minifySyntax: true,
  plugins: [generatedCodeIsPure],
  // Bundled CommonJS dependencies call require() for Node's built-ins; ESM has none, so give them one.
  banner: {js: "import {createRequire as __skiffRequire} from 'node:module'; const require = __skiffRequire(import.meta.url);"},
})
