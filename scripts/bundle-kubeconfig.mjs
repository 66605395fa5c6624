#!/usr/bin/env node
// Bundles client-node's KubeConfig into dist/vendor/kubeconfig.js: importing the package loads ~1000 generated API modules (~0.5 s), the bundle ~0.04 s.
import {resolve} from 'node:path'
import {cwd} from 'node:process'
import {build} from 'esbuild'

/**
 * KubeConfig reaches client-node's generated API (gen/index.js: every model and API class) only from makeApiClient,
 * which skiff never calls: it speaks HTTP itself. The bundle gets a stub there instead, about half of the bundle and
 * of its start-up time.
 */
const withoutGeneratedApi = {
  name: 'client-node-without-generated-api',
  setup(b) {
    b.onResolve({filter: /^\.\/gen\/index\.js$/}, (args) =>
      /@kubernetes\/client-node\/dist\/config\.js$/.test(args.importer) ? {path: resolve('scripts/stubs/client-node-gen.mjs')} : undefined,
    )
  },
}

await build({
  // From its module rather than the package index, which re-exports (and so evaluates) everything else too.
  stdin: {contents: "export {KubeConfig} from '@kubernetes/client-node/dist/config.js'", resolveDir: cwd(), loader: 'js'},
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: 'dist/vendor/kubeconfig.js',
  logLevel: 'warning',
  // Less to parse at every start; identifiers stay, so stack traces still read.
  minifyWhitespace: true,
  minifySyntax: true,
  plugins: [withoutGeneratedApi],
  alias: {'whatwg-url': './scripts/stubs/whatwg-url.cjs'},
  // Bundled CommonJS dependencies call require() for Node's built-ins; ESM has none, so give them one.
  banner: {js: "import {createRequire as __skiffRequire} from 'node:module'; const require = __skiffRequire(import.meta.url);"},
})
