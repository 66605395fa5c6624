// The names `image load` looks for in a node's containerd: Docker Hub's defaults, as the CRI resolves a pod's image.
import assert from 'node:assert/strict'
import {normalizeImageName} from '../../../src/cluster/image-load.js'

describe('image load: containerd image names', () => {
  it('adds docker.io, library/ and :latest where a reference leaves them out', () => {
    assert.equal(normalizeImageName('busybox'), 'docker.io/library/busybox:latest')
    assert.equal(normalizeImageName('busybox:1.36'), 'docker.io/library/busybox:1.36')
    assert.equal(normalizeImageName('skiff/busybox:test'), 'docker.io/skiff/busybox:test')
    assert.equal(normalizeImageName('skiff/app'), 'docker.io/skiff/app:latest')
  })

  it('keeps a registry host (a dot, a port or localhost) and digests as they are', () => {
    assert.equal(normalizeImageName('registry.example.com/team/app:2'), 'registry.example.com/team/app:2')
    assert.equal(normalizeImageName('localhost:5000/app'), 'localhost:5000/app:latest')
    assert.equal(normalizeImageName('localhost/app:1'), 'localhost/app:1')
    assert.equal(normalizeImageName('quay.io/org/app@sha256:abc'), 'quay.io/org/app@sha256:abc')
  })
})
