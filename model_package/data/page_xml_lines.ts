/**
 * PageXmlLines: lines of PAGE-XML exports (Transkribus, eScriptorium, OCR-D):
 * each TextLine polygon cropped from its page image, with its TextEquiv text.
 * A directory or .zip; see byo_pages.ts for where page images are looked for.
 */
import { z } from 'zod';
import { ByoLines, ByoLinesConfig } from './byo_lines.js';
import { discoverPages, type PageFormat } from './byo_pages.js';
import type { Discovery } from './byo_records.js';
import type { FileSource } from './byo_source.js';
import { parsePageXml } from './page_xml.js';

export const PageXmlLinesConfig = ByoLinesConfig;
export type PageXmlLinesConfig = z.infer<typeof PageXmlLinesConfig>;

export const PAGE_XML_FORMAT: PageFormat = { name: 'PAGE-XML', marker: /<([\w-]+:)?PcGts[\s>]/, parse: parsePageXml };

export class PageXmlLines extends ByoLines {
  protected readonly formatName = 'PageXmlLines';

  constructor(config: PageXmlLinesConfig) {
    super(config);
  }

  protected discover(source: FileSource): Promise<Discovery> {
    return discoverPages(source, PAGE_XML_FORMAT);
  }
}
