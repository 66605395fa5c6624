#!/usr/bin/env node
// Sorts oclif.manifest.json's commands by id: `oclif manifest` lists them in the order its file walk finishes, so each build would otherwise reorder the committed file.
import {readFileSync, writeFileSync} from 'node:fs'

const file = new URL('../oclif.manifest.json', import.meta.url)
const manifest = JSON.parse(readFileSync(file, 'utf8'))
manifest.commands = Object.fromEntries(Object.entries(manifest.commands).sort(([a], [b]) => a.localeCompare(b)))
writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`)
