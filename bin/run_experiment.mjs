#!/usr/bin/env node
// `npx run_experiment ...` runs the TypeScript CLI through tsx's loader.
import { register } from 'tsx/esm/api';
register();
await import('../training/run_experiment.ts');
