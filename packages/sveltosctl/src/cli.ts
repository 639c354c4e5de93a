#!/usr/bin/env node
// sveltosctl entry point.

import { run } from './program.ts';

process.exitCode = await run(process.argv.slice(2));
