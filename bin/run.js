#!/usr/bin/env node
// Entry point of the installed CLI: loads the bundled CLI (dist/skiff.cjs) through a V8 code cache and runs it.
// CommonJS (bin/package.json) because an ES module entry starts Node's ESM loader, a few milliseconds of every run.
'use strict'
const {join} = require('node:path')
const {loadBundle} = require('./load-bundle.js')

const root = join(__dirname, '..')
const {execute} = loadBundle(join(root, 'dist', 'skiff.cjs'), (specifier) => import(specifier))
// The root is given, not found: oclif would otherwise take bin/package.json for the package's.
execute({loadOptions: {root}})
