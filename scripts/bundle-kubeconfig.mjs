#!/usr/bin/env node
// Bundles client-node's KubeConfig into dist/vendor/kubeconfig.js: importing the package loads ~1000 generated API modules (~0.5 s), the bundle ~0.1 s.
import {cwd} from 'node:process'
import {build} from 'esbuild'

await build({
  stdin: {contents: "export {KubeConfig} from '@kubernetes/client-node'", resolveDir: cwd(), loader: 'js'},
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: 'dist/vendor/kubeconfig.js',
  logLevel: 'warning',
  // Bundled CommonJS dependencies call require() for Node's built-ins; ESM has none, so give them one.
  banner: {js: "import {createRequire as __skiffRequire} from 'node:module'; const require = __skiffRequire(import.meta.url);"},
})
