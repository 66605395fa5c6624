// Writes templates/cluster.schema.json from src/config/schema.ts (run: npx tsx scripts/gen-config-schema.ts); a unit test checks it is current.
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {clusterConfigSchema} from '../src/config/schema.js'

writeFileSync(join(import.meta.dirname, '../templates/cluster.schema.json'), `${JSON.stringify(clusterConfigSchema, null, 2)}\n`)
