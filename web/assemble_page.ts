/**
 * The demo pages' shared markup: a page's `<!-- include NAME -->` line becomes the fragment
 * web/NAME, indented like the line. Lines between that line and `<!-- /include NAME -->`
 * take the place of the fragment's `<!-- slot -->` line (a page's own controls in a shared
 * panel). Node-side: `npm run build:web` assembles web/index.html with it, the server
 * serving/public/index.html at startup.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const FRAGMENT_DIR = fileURLToPath(new URL('.', import.meta.url));
const INCLUDE = /^([ \t]*)<!-- include (\S+) -->\n(?:([\s\S]*?)^[ \t]*<!-- \/include \2 -->\n)?/gm;
const SLOT = /^[ \t]*<!-- slot -->\n/m;

/** The HTML page `file` with its includes filled in. */
export function assemblePage(file: string): string {
  return readFileSync(file, 'utf8').replace(INCLUDE, (_line, indent: string, name: string, slot: string | undefined) =>
    readFileSync(path.join(FRAGMENT_DIR, name), 'utf8')
      .replace(/^(?=.)/gm, indent)
      .replace(SLOT, () => slot ?? ''),
  );
}
