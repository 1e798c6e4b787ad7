#!/usr/bin/env node
// `npx run_experiment ...` runs the TypeScript CLI through tsx's loader.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../training/run_experiment.ts');
process.exitCode = await main(process.argv.slice(2));
