/**
 * AltoLines: lines of ALTO XML exports (eScriptorium, Transkribus, OCR
 * engines): each TextLine region cropped from its page image, with its
 * String@CONTENT text. A directory or .zip; pixel coordinates only.
 */
import { z } from 'zod';
import { parseAlto } from './alto.js';
import { OwnLinesModule, OwnLinesConfig } from './own_lines_module.js';
import { discoverPages, type PageFormat } from './page_discovery.js';
import type { Discovery } from './line_records.js';
import type { FileSource } from '../sources/file_source.js';

export const AltoLinesConfig = OwnLinesConfig;
export type AltoLinesConfig = z.infer<typeof AltoLinesConfig>;

export const ALTO_FORMAT: PageFormat = { name: 'ALTO', marker: /<([\w-]+:)?alto[\s>]/, parse: parseAlto };

export class AltoLines extends OwnLinesModule {
  protected readonly formatName = 'AltoLines';

  constructor(config: AltoLinesConfig) {
    super(config);
  }

  protected discover(source: FileSource): Promise<Discovery> {
    return discoverPages(source, ALTO_FORMAT);
  }
}
