/**
 * Data classes by name: `--data=IAMLines` and YAML `data.name` resolve here.
 * Adding a dataset is one line: its name, its zod schema and its constructor.
 */
import type { z } from 'zod';
import { htrError } from '../errors.js';
import type { DataModule } from '../core/data_types.js';
import { BitmapLines, BitmapLinesConfig } from './synthetic/bitmap_lines.js';
import { SyntheticLines, SyntheticLinesConfig } from './synthetic/synthetic_lines.js';
import { SyntheticParagraphs, SyntheticParagraphsConfig } from './synthetic/synthetic_paragraphs.js';
import { FolderLines, FolderLinesConfig } from './own/folder_lines.js';
import { PageXmlLines, PageXmlLinesConfig } from './own/page_xml_lines.js';
import { AltoLines, AltoLinesConfig } from './own/alto_lines.js';
import { EMNIST, EMNISTConfig } from './emnist/emnist.js';
import { EMNISTLines, EMNISTLines2, EMNISTLines2Config, EMNISTLinesConfig } from './emnist/emnist_lines.js';
import { IAMLines, IAMLinesConfig } from './iam/iam_lines.js';
import { IAMParagraphs, IAMParagraphsConfig } from './iam/iam_paragraphs.js';
import { IAMSyntheticParagraphs, IAMSyntheticParagraphsConfig } from './iam/iam_synthetic_paragraphs.js';
import { IAMOriginalAndSyntheticParagraphs, IAMOriginalAndSyntheticParagraphsConfig } from './iam/iam_original_and_synthetic_paragraphs.js';

export interface DataEntry<S extends z.ZodObject = z.ZodObject> {
  readonly schema: S;
  readonly create: (config: z.infer<S>) => DataModule;
  readonly description: string;
}

export const DATA_REGISTRY: Record<string, DataEntry> = {
  BitmapLines: { schema: BitmapLinesConfig, create: (c) => new BitmapLines(BitmapLinesConfig.parse(c)), description: 'tiny instant lines in a built-in 5x7 bitmap font (CI smoke runs)' },
  SyntheticLines: { schema: SyntheticLinesConfig, create: (c) => new SyntheticLines(SyntheticLinesConfig.parse(c)), description: 'English lines rendered offline in handwriting fonts, split by font (the offline default)' },
  SyntheticParagraphs: { schema: SyntheticParagraphsConfig, create: (c) => new SyntheticParagraphs(SyntheticParagraphsConfig.parse(c)), description: 'stacks of SyntheticLines in one font, labels joined by newlines' },
  IAMLines: { schema: IAMLinesConfig, create: (c) => new IAMLines(IAMLinesConfig.parse(c)), description: 'IAM handwritten lines cropped from forms (local data.raw_dir or Google Drive)' },
  IAMParagraphs: { schema: IAMParagraphsConfig, create: (c) => new IAMParagraphs(IAMParagraphsConfig.parse(c)), description: 'IAM paragraph regions, line_height px per line, labels joined by newlines' },
  IAMSyntheticParagraphs: { schema: IAMSyntheticParagraphsConfig, create: (c) => new IAMSyntheticParagraphs(IAMSyntheticParagraphsConfig.parse(c)), description: 'random stacks of IAM line crops (per split), labels joined by newlines' },
  IAMOriginalAndSyntheticParagraphs: { schema: IAMOriginalAndSyntheticParagraphsConfig, create: (c) => new IAMOriginalAndSyntheticParagraphs(IAMOriginalAndSyntheticParagraphsConfig.parse(c)), description: 'real + synthetic IAM paragraphs for training; real only for validation and test' },
  FolderLines: { schema: FolderLinesConfig, create: (c) => new FolderLines(FolderLinesConfig.parse(c)), description: 'your line images with *.gt.txt sidecars or a TSV manifest, in a folder or .zip' },
  PageXmlLines: { schema: PageXmlLinesConfig, create: (c) => new PageXmlLines(PageXmlLinesConfig.parse(c)), description: 'text lines of PAGE-XML exports (Transkribus, eScriptorium), in a folder or .zip' },
  AltoLines: { schema: AltoLinesConfig, create: (c) => new AltoLines(AltoLinesConfig.parse(c)), description: 'text lines of ALTO XML exports (eScriptorium, OCR engines), in a folder or .zip' },
  EMNIST: { schema: EMNISTConfig, create: (c) => new EMNIST(EMNISTConfig.parse(c)), description: 'EMNIST byclass characters from NIST\'s IDX release (gzip.zip)' },
  EMNISTLines: { schema: EMNISTLinesConfig, create: (c) => new EMNISTLines(EMNISTLinesConfig.parse(c)), description: 'lines of EMNIST characters with 0-0.33 overlap, 28 px high' },
  EMNISTLines2: { schema: EMNISTLines2Config, create: (c) => new EMNISTLines2(EMNISTLines2Config.parse(c)), description: 'taller EMNIST lines: scaled, shifted characters, more overlap, augmentation' },
  // Each data helper adds one line here, e.g.
  // IAMLines: { schema: IAMLinesConfig, create: (c) => new IAMLines(c), description: 'IAM handwritten lines' },
};

export function getDataEntry(name: string): DataEntry {
  const entry = DATA_REGISTRY[name];
  if (!entry) throw htrError('HTR_ERR_UNKNOWN_DATA', { value: name, key: 'data.name', allowed: Object.keys(DATA_REGISTRY) });
  return entry;
}
