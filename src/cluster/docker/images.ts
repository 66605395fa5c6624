// Image operations of the Docker provider: inspect, pull, import, build, list, remove and save, with progress.
import type Dockerode from 'dockerode'
import type {ImageBuild, ImageInfo, OnProgress} from '../provider.js'
import {Tail} from '../tail.js'

/** The image's ID, or undefined on 404; other engine errors propagate. */
export async function imageID(docker: Dockerode, name: string): Promise<string | undefined> {
  try {
    return (await docker.getImage(name).inspect()).Id
  } catch (error) {
    if ((error as {statusCode?: number}).statusCode === 404) return undefined
    throw error
  }
}

interface ProgressEvent {
  stream?: string
  status?: string
  progress?: string
  error?: string
}

/** Follows a Docker progress stream (build/pull/import), forwarding text lines and failing on an error event. */
function followProgress(docker: Dockerode, stream: NodeJS.ReadableStream, step: string, onLine: OnProgress): Promise<unknown[]> {
  const tail = new Tail()
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (err: Error | null, output: ProgressEvent[]) => {
        const failed = (output ?? []).find((o) => o.error)
        if (err || failed) reject(new Error(`${step} failed: ${err?.message ?? failed?.error}\n${tail}`))
        else resolve(output)
      },
      (event: ProgressEvent) => tail.feed(event.stream ?? event.error ?? (event.status ? `${event.status}${event.progress ? ` ${event.progress}` : ''}` : ''), onLine),
    )
  })
}

/** `docker pull`. */
export async function pullImage(docker: Dockerode, name: string, onProgress: OnProgress): Promise<void> {
  await followProgress(docker, await docker.pull(name), `docker pull ${name}`, onProgress)
}

/** `docker import` of a root filesystem tar as repo:tag. */
export async function importImage(docker: Dockerode, rootfs: NodeJS.ReadableStream, name: string, onProgress: OnProgress): Promise<void> {
  const [repo, tag] = name.split(':')
  await followProgress(docker, await docker.importImage(rootfs, {repo, tag}), `docker import of ${name}`, onProgress)
}

/** `docker build` of a context tar; checks the image is really there afterwards. */
export async function buildImage(docker: Dockerode, build: ImageBuild, onProgress: OnProgress): Promise<void> {
  const stream = await docker.buildImage(build.context, {t: build.tag, buildargs: build.buildArgs, labels: build.labels, rm: true, forcerm: true})
  await followProgress(docker, stream, `building ${build.tag}`, onProgress)
  if (!(await imageID(docker, build.tag))) throw new Error(`building ${build.tag} reported success but the image is not there`)
}

/** Images matching a reference pattern, with whether any container uses them. */
export async function listImages(docker: Dockerode, reference: string): Promise<ImageInfo[]> {
  const inUse = new Set((await docker.listContainers({all: true})).map((c) => c.ImageID))
  const images = await docker.listImages({filters: JSON.stringify({reference: [reference]})})
  return images.map((img) => ({id: img.Id, tags: img.RepoTags ?? [], createdMs: img.Created * 1000, inUse: inUse.has(img.Id)}))
}

/** Removes a tag; no force, so Docker refuses while a container still uses it, which is the safety wanted. */
export async function removeImage(docker: Dockerode, tag: string): Promise<boolean> {
  return docker
    .getImage(tag)
    .remove()
    .then(
      () => true,
      () => false,
    )
}

/** One `docker save` archive of the images. */
export async function saveImages(docker: Dockerode, names: string[]): Promise<NodeJS.ReadableStream> {
  if (names.length === 1) return (await docker.getImage(names[0]).get()) as NodeJS.ReadableStream
  // dockerode saves one image per call; the engine's /images/get takes several names. modem.dial needs a callback.
  const modem = docker.modem as unknown as {dial(opts: object, cb: (err: Error | null, stream: NodeJS.ReadableStream) => void): void}
  return new Promise((resolve, reject) =>
    modem.dial({path: '/images/get?', method: 'GET', options: {names}, isStream: true, statusCodes: {200: true, 500: 'server error'}}, (err, stream) => (err ? reject(err) : resolve(stream))),
  )
}
