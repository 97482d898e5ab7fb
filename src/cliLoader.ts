/**
 * dist/cliLoader.js, what bin/lora-workbench.js runs: the CLI's bundle (dist/cli.js, built from src/cli.ts) through
 * V8's code cache in dist/code-cache-cli/ (codeCachedBundle.ts). Compiling the bundle, and the functions a command
 * compiles as it runs, took 20-60 ms of every command (issue 22: the lint and tags rows are whole processes). A
 * command's cache is written as its first process of a build exits, so that it holds what the command compiled too.
 */
import { join } from 'node:path';
import type * as cli from './cli';
import { loadCodeCachedBundle } from './util/codeCachedBundle';

// A cache per command: each holds the functions its command compiled (lint's are not scan's).
const command = process.argv[2] ?? '';
const loaded = loadCodeCachedBundle<typeof cli>(join(__dirname, 'cli.js'), join(__dirname, 'code-cache-cli'), require, /^[a-z]+$/.test(command) ? command : 'other');

export function main(): void {
	process.once('exit', () => loaded.writeCache());
	loaded.exports.main();
}
