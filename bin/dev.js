#!/usr/bin/env -S node --import tsx
// Development entry point: runs the TypeScript commands in src/ without a build.
import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import {execute} from '@oclif/core'

const root = fileURLToPath(new URL('..', import.meta.url))
const pjson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
// The build's CLI takes its commands from the bundle (package.json oclif.commands, `explicit`); from sources oclif
// finds them by walking src/commands. Help and flags still come from oclif.manifest.json until the next build.
pjson.oclif.commands = './src/commands'

await execute({development: true, loadOptions: {root, pjson}})
