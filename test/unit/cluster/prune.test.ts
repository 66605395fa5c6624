// pruneNodeImages removes only old, unused, unkept skiff/node tags, through the Provider.
import assert from 'node:assert/strict'
import {pruneNodeImages} from '../../../src/cluster/image/index.js'
import type {ImageInfo, Provider} from '../../../src/cluster/provider.js'

function engine(images: ImageInfo[], refuse: string[] = []) {
  const removed: string[] = []
  const listed: string[] = []
  const provider = {
    listImages: async (ref: string) => {
      listed.push(ref)
      return images
    },
    removeImage: async (tag: string) => {
      if (refuse.includes(tag)) return false
      removed.push(tag)
      return true
    },
  } as unknown as Provider
  return {provider, removed, listed}
}

const now = Date.parse('2026-01-01T12:00:00Z')
const hour = 3_600_000
const img = (tag: string, ageMs: number, inUse = false): ImageInfo => ({id: `sha256:${tag}`, tags: [tag], createdMs: now - ageMs, inUse})

describe('pruneNodeImages', () => {
  it('removes old unused tags except the kept ones, asking for skiff/node images only', async () => {
    const e = engine([img('skiff/node:0.1.0-aaa', 2 * hour), img('skiff/node:0.1.0-bbb', 2 * hour, true), img('skiff/node:0.1.0-ccc', 60_000), img('skiff/node:0.1.0-keep', 2 * hour)])
    const out = await pruneNodeImages(e.provider, {keep: ['skiff/node:0.1.0-keep'], now})
    assert.deepEqual(out, ['skiff/node:0.1.0-aaa'])
    assert.deepEqual(e.removed, ['skiff/node:0.1.0-aaa'])
    assert.deepEqual(e.listed, ['skiff/node:*'])
  })

  it('reports without removing on a dry run, and leaves out tags the engine refused to remove', async () => {
    const images = [img('skiff/node:0.1.0-aaa', 2 * hour), img('skiff/node:0.1.0-bbb', 2 * hour)]
    const dry = engine(images)
    assert.deepEqual(await pruneNodeImages(dry.provider, {keep: [], dryRun: true, now}), ['skiff/node:0.1.0-aaa', 'skiff/node:0.1.0-bbb'])
    assert.deepEqual(dry.removed, [])
    const refusing = engine(images, ['skiff/node:0.1.0-bbb'])
    assert.deepEqual(await pruneNodeImages(refusing.provider, {keep: [], now}), ['skiff/node:0.1.0-aaa'])
  })
})
