// `skiff image load`: copies images from the host Docker into the cluster's nodes.
import {Args, Flags} from '@oclif/core'
import {SkiffCommand} from '../../cli/base.js'
import {engineProvider} from '../../cli/provider.js'
import {loadImages, type LoadResult} from '../../cluster/image-load.js'

export default class ImageLoad extends SkiffCommand {
  static override summary = "Copy images from the host's Docker into every node of a cluster."
  static override description = 'Nodes that already hold the same image ID are skipped. Works with both Docker image stores (classic and containerd).'
  static override enableJsonFlag = true
  static override strict = false
  static override examples = ['<%= config.bin %> image load myapp:dev', '<%= config.bin %> image load myapp:dev other:1 --name demo --nodes demo-worker', '<%= config.bin %> image load --archive images.tar']
  static override args = {image: Args.string({description: 'image(s) on the host Docker'})}
  static override flags = {
    name: Flags.string({char: 'n', description: 'cluster name', default: 'skiff'}),
    nodes: Flags.string({description: 'only these nodes (comma-separated)'}),
    archive: Flags.string({char: 'a', description: 'load an image archive (docker save format) instead'}),
  }

  async run(): Promise<LoadResult> {
    const {argv, flags} = await this.parse(ImageLoad)
    const result = await loadImages(
      engineProvider(),
      {cluster: flags.name, images: argv as string[], archive: flags.archive, nodes: flags.nodes?.split(',').map((s) => s.trim()).filter(Boolean)},
      this.progressMode(),
    )
    if (!this.jsonEnabled()) {
      const loaded = result.nodes.filter((n) => n.loaded).length
      this.log(`${loaded} node(s) loaded, ${result.nodes.length - loaded} already up to date.`)
    }
    return result
  }
}
