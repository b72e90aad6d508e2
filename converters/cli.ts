#!/usr/bin/env node
// Entry point of the `tfjs-pacc` command (bin: dist/cli.cjs; dev: npm run convert -- ...).
import '@tensorflow/tfjs-backend-cpu';
import {env} from '@tensorflow/tfjs-core';
import '../src/node';   // the API plus node:fs for fileSystem on every Node version
import {runCli} from './cli_main';

// PROD silences tfjs' "install tfjs-node" banner, which would interleave with our progress lines.
env().set('PROD', true);

runCli(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e) => {
  process.stderr.write(`tfjs-pacc: internal error: ${(e as Error)?.stack ?? e}\n`);
  process.exitCode = 1;
});
