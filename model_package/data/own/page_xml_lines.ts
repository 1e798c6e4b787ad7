/**
 * PageXmlLines: lines of PAGE-XML exports (Transkribus, eScriptorium, OCR-D):
 * each TextLine polygon cropped from its page image, with its TextEquiv text.
 * A directory or .zip; see page_discovery.ts for where page images are looked for.
 */
import { z } from 'zod';
import { OwnLinesModule, OwnLinesConfig } from './own_lines_module.js';
import { discoverPages, type PageFormat } from './page_discovery.js';
import type { Discovery } from './line_records.js';
import type { FileSource } from '../sources/file_source.js';
import { parsePageXml } from './page_xml.js';

export const PageXmlLinesConfig = OwnLinesConfig;
export type PageXmlLinesConfig = z.infer<typeof PageXmlLinesConfig>;

export const PAGE_XML_FORMAT: PageFormat = { name: 'PAGE-XML', marker: /<([\w-]+:)?PcGts[\s>]/, parse: parsePageXml };

export class PageXmlLines extends OwnLinesModule {
  protected readonly formatName = 'PageXmlLines';

  constructor(config: PageXmlLinesConfig) {
    super(config);
  }

  protected discover(source: FileSource): Promise<Discovery> {
    return discoverPages(source, PAGE_XML_FORMAT);
  }
}
