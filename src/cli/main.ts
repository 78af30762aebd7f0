#!/usr/bin/env node
/** tailgate's command line: parse, call, print, exit code. Commands live in ./commands, one per file. */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { InvalidInputError, VERSION } from '../engine/index.js';
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

/** Resolves on the first Ctrl+C or SIGTERM. */
function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

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
      .command(mockCommand(io, untilSignal))
      .command(runCommand(io, { interrupted: untilSignal, setExit }))
      .command(reportCommand(io))
      .command(compareCommand(io))
      .command(gateCommand(io, setExit))
      .command(probeCommand(io, setExit))
      .command(mergeCommand(io))
      .command(schemaCommand(io))
      .demandCommand(1, 'name a command (see --help)')
      .fail((msg, err) => {
        if (err) throw err;
        io.err(`tailgate: ${msg}\n`);
        setExit(EXIT.invalid);
      })
      .parseAsync();
  } catch (err) {
    if (err instanceof InvalidInputError) {
      io.err(`tailgate: ${err.message}\n`);
      return EXIT.invalid;
    }
    io.err(`tailgate: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.couldNotRun;
  }
  return exitCode;
}

process.exitCode = await main(hideBin(process.argv));
