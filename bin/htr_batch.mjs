#!/usr/bin/env node
// `npx htr_batch ...` runs the TypeScript CLI through tsx's loader.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../batch/collections/cli.ts');
process.exitCode = await main(process.argv.slice(2));
