#!/usr/bin/env node
// Entry point of the installed CLI: loads the bundled CLI (dist/skiff.cjs) through a V8 code cache and runs it.
import {loadBundle} from './load-bundle.js'

const {execute} = loadBundle(new URL('../dist/skiff.cjs', import.meta.url))
await execute({dir: import.meta.url})
