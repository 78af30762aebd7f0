#!/usr/bin/env node
/** tailgate's command line: parse, call, print, exit code. Commands live in ./commands, one per file. */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { InvalidInputError, redactText, VERSION } from '../engine/index.js';
import { safeText } from '../report/index.js';
import { EXIT } from './exit-codes.js';
import { processIo, type CliIo } from './io.js';
import { presetsCommand } from './commands/presets.js';
import { mockCommand } from './commands/mock.js';
import { runCommand } from './commands/run.js';
import { schemaCommand } from './commands/schema.js';
import { reportCommand } from './commands/report.js';
import { compareCommand } from './commands/compare.js';
import { gateCommand } from './commands/gate.js';
import { probeCommand } from './commands/probe.js';
import { mergeCommand } from './commands/merge.js';
import { sweepCommand } from './commands/sweep.js';
import { coordinateCommand } from './commands/coordinate.js';
import { proxyCommand } from './commands/proxy.js';
import { observeCommand } from './commands/observe.js';

/**
 * Ctrl+C (or SIGTERM) the first time stops the load and lets what is in flight finish within the grace;
 * the second abandons it at once, and the report is still written; only a third quits without one.
 */
const stopSignals = (() => {
  let count = 0;
  const waiters: [(() => void)[], (() => void)[]] = [[], []];
  let installed = false;
  const install = () => {
    if (installed) return;
    installed = true;
    const onSignal = () => {
      count++;
      if (count >= 3) process.exit(130);
      for (const w of waiters[count - 1] ?? []) w();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  };
  const wait = (n: 1 | 2) => () => {
    install();
    return new Promise<void>((resolve) => (count >= n ? resolve() : (n === 1 ? waiters[0] : waiters[1]).push(resolve)));
  };
  return { first: wait(1), second: wait(2) };
})();

export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  let exitCode: number = EXIT.ok;
  const setExit = (code: number) => {
    exitCode = code;
  };
  try {
    await yargs(argv)
      .scriptName('tailgate')
      .version(VERSION)
      .strict()
      .command(presetsCommand(io))
      .command(mockCommand(io, stopSignals.first))
      .command(runCommand(io, { interrupted: stopSignals.first, interruptedAgain: stopSignals.second, setExit }))
      .command(reportCommand(io))
      .command(compareCommand(io))
      .command(gateCommand(io, setExit))
      .command(probeCommand(io, setExit))
      .command(mergeCommand(io))
      .command(coordinateCommand(io, setExit, stopSignals.first))
      .command(sweepCommand(io))
      .command(proxyCommand(io, stopSignals.first, setExit))
      .command(observeCommand(io, setExit))
      .command(schemaCommand(io))
      .demandCommand(1, 'name a command (see --help)')
      // Throwing stops yargs before any command runs: an unknown or mistyped flag sends nothing.
      .fail((msg, err) => {
        if (err) throw err;
        throw new InvalidInputError('arguments', [`${msg} (see tailgate --help)`]);
      })
      .parseAsync();
  } catch (err) {
    if (err instanceof InvalidInputError) {
      io.err(`tailgate: ${terminalText(err.message)}\n`);
      return EXIT.invalid;
    }
    io.err(`tailgate: ${terminalText(err instanceof Error ? err.message : String(err))}\n`);
    return EXIT.couldNotRun;
  }
  return exitCode;
}

/**
 * An error as the terminal gets it: credentials masked (it may quote a user's file), and control
 * characters it did not write shown, not obeyed (an escape sequence in a value cannot recolour or clear
 * the terminal); its own line breaks kept.
 */
function terminalText(message: string): string {
  return redactText(message)
    .split('\n')
    .map((line) => safeText(line).replace(/\\x09/g, '\t'))
    .join('\n');
}

/** Run as the program (`tailgate`, `node main.js`, through npm's bin link), not imported by a test that calls main(). */
const isProgram = process.argv[1] !== undefined && pathToFileURL(realpathSync(process.argv[1])).href === import.meta.url;
if (isProgram) process.exitCode = await main(hideBin(process.argv));
