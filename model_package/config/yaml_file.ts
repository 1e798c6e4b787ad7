/** Reads one YAML config file into a plain object, with file-and-line errors. */
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { htrError } from '../errors.js';
import { type ConfigObject, isPlainObject } from './merge.js';

export function loadYamlFile(file: string): ConfigObject {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
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
