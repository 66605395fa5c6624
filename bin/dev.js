#!/usr/bin/env -S node --import tsx
// Development entry point: runs the TypeScript commands in src/ without a build.
'use strict'
const {readFileSync} = require('node:fs')
const {join} = require('node:path')
const {execute} = require('@oclif/core')

const root = join(__dirname, '..')
const pjson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
// The build's CLI takes its commands from the bundle (package.json oclif.commands, `explicit`); from sources oclif
// finds them by walking src/commands. Help and flags still come from oclif.manifest.json until the next build.
pjson.oclif.commands = './src/commands'

execute({development: true, loadOptions: {root, pjson}})
