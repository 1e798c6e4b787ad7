/**
 * `npm run build:lib` (run by `npm pack` through prepack): the package's public
 * entries as JavaScript with type declarations, in dist/lib/ (tsc, the source
 * tree's layout kept so runtime-relative files still resolve).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = path.join(ROOT, 'dist/lib');

rmSync(OUT, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.lib.json')], { stdio: 'inherit' });
// Loaded at runtime by path (register_gradients.ts), not by an import tsc follows.
const gradients = 'model_package/backend/generated/tfjs_gradients.cjs';
mkdirSync(path.dirname(path.join(OUT, gradients)), { recursive: true });
copyFileSync(path.join(ROOT, gradients), path.join(OUT, gradients));
console.log(`wrote ${path.relative(process.cwd(), OUT) || '.'}/`);
