/**
 * FolderLines: your own line images with transcriptions, from a directory or a
 * .zip: `*.png|jpg|tif` with `*.gt.txt` sidecars, or `*.tsv` manifests of
 * `path<TAB>text[<TAB>split[<TAB>writer]]`. See folder_discovery.ts for the layout
 * rules and own_lines_module.ts for splits, vocabulary and the skip report.
 */
import { z } from 'zod';
import { discoverManifests, discoverSidecars } from './folder_discovery.js';
import { OwnLinesModule, OwnLinesConfig } from './own_lines_module.js';
import type { Discovery } from './line_records.js';
import type { FileSource } from '../sources/file_source.js';

export const FolderLinesConfig = OwnLinesConfig.extend({
  manifest: z
    .array(z.string())
    .optional()
    .describe('manifest files (paths inside data.path); default: every *.tsv found, or *.gt.txt sidecars when there is none'),
});
export type FolderLinesConfig = z.infer<typeof FolderLinesConfig>;

export class FolderLines extends OwnLinesModule {
  protected readonly formatName = 'FolderLines';

  constructor(private readonly folderConfig: FolderLinesConfig) {
    super(folderConfig);
  }

  protected override formatParams(): unknown {
    return { manifest: this.folderConfig.manifest };
  }

  protected async discover(source: FileSource): Promise<Discovery> {
    const manifests = this.folderConfig.manifest ?? (await source.list()).filter((f) => f.toLowerCase().endsWith('.tsv'));
    return manifests.length > 0 ? discoverManifests(source, manifests) : discoverSidecars(source);
  }
}
