/** Reads one YAML config file into a plain object, with file-and-line errors. */
import { readFileSync, statSync } from 'node:fs';
import YAML from 'yaml';
import { htrError, isHtrError } from '../errors.js';
import { type ConfigObject, isPlainObject } from './merge.js';

/** Config files are hand-written YAML; anything larger is a mistake (or /dev/zero behind a symlink). */
export const MAX_CONFIG_BYTES = 1024 * 1024;

export function loadYamlFile(file: string): ConfigObject {
  let text: string;
  try {
    // stat first: opening a FIFO would block, reading a device would never end.
    const stat = statSync(file);
    if (!stat.isFile()) throw htrError('HTR_ERR_CONFIG_PARSE', { file, reason: 'not a regular file' });
    if (stat.size > MAX_CONFIG_BYTES) throw htrError('HTR_ERR_CONFIG_PARSE', { file, reason: `${stat.size} bytes, over the ${MAX_CONFIG_BYTES}-byte limit for config files` });
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (isHtrError(err)) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw htrError('HTR_ERR_MISSING_FILE', { file, key: '--config' }, err);
    throw htrError('HTR_ERR_CONFIG_PARSE', { file, reason: (err as Error).message }, err);
  }
  return parseYamlConfig(text, file);
}

export function parseYamlConfig(text: string, file: string): ConfigObject {
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (err) {
    const e = err as { linePos?: Array<{ line: number; col: number }>; message: string };
    const pos = e.linePos?.[0];
    const first = e.message.split('\n')[0] ?? e.message;
    const reason = pos ? `line ${pos.line}, column ${pos.col}: ${first.replace(/ at line \d+, column \d+:?$/, '')}` : first;
    throw htrError('HTR_ERR_CONFIG_PARSE', { file, line: pos?.line, reason }, err);
  }
  if (doc === null || doc === undefined) return {};
  if (!isPlainObject(doc)) {
    throw htrError('HTR_ERR_CONFIG_PARSE', { file, line: 1, reason: 'line 1: the top level must be a mapping of sections (trainer:, data:, ...)' });
  }
  return doc;
}
