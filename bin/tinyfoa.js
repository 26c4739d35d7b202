#!/usr/bin/env node
// Thin shim: loads the TypeScript CLI through tsx, so a clean clone runs without a build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../generator/cli/main.ts');
process.exitCode = await main(process.argv);
