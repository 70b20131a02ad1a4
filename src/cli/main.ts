#!/usr/bin/env node
import { systemClock } from '../util/clock.js';
import { runCli } from './program.js';

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  env: process.env,
  clock: systemClock,
});
process.exitCode = code;
