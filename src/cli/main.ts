#!/usr/bin/env node
/** tailgate's command line: parse, call, print, exit code. Commands live in ./commands, one per file. */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { redactText } from '../engine/config/secrets.js';
import { InvalidInputError } from '../engine/errors.js';
import { VERSION } from '../engine/version.js';
import { safeText } from '../report/render/format.js';
import { EXIT } from './exit-codes.js';
import { processIo, type CliIo } from './io.js';
import type { CommandModule } from 'yargs';

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

type Command = CommandModule<object, never>;
/** Each command, loaded when it is the one asked for. */
const COMMANDS: Record<string, (io: CliIo, setExit: (code: number) => void) => Promise<Command>> = {
  presets: async (io) => (await import('./commands/presets.js')).presetsCommand(io) as Command,
  mock: async (io) => (await import('./commands/mock.js')).mockCommand(io, stopSignals.first) as Command,
  run: async (io, setExit) => (await import('./commands/run.js')).runCommand(io, { interrupted: stopSignals.first, interruptedAgain: stopSignals.second, setExit }) as Command,
  report: async (io) => (await import('./commands/report.js')).reportCommand(io) as Command,
  compare: async (io) => (await import('./commands/compare.js')).compareCommand(io) as Command,
  gate: async (io, setExit) => (await import('./commands/gate.js')).gateCommand(io, setExit) as Command,
  probe: async (io, setExit) => (await import('./commands/probe.js')).probeCommand(io, setExit) as Command,
  merge: async (io) => (await import('./commands/merge.js')).mergeCommand(io) as Command,
  coordinate: async (io, setExit) => (await import('./commands/coordinate.js')).coordinateCommand(io, setExit, stopSignals.first) as Command,
  sweep: async (io) => (await import('./commands/sweep.js')).sweepCommand(io) as Command,
  proxy: async (io, setExit) => (await import('./commands/proxy.js')).proxyCommand(io, stopSignals.first, setExit) as Command,
  observe: async (io, setExit) => (await import('./commands/observe.js')).observeCommand(io, setExit) as Command,
  schema: async (io) => (await import('./commands/schema.js')).schemaCommand(io) as Command,
};

/**
 * The command the arguments name, alone: a process loads only the modules its command uses (`tailgate mock`
 * 170, where every command's are 302), and the suite and users' scripts start hundreds of them. With no
 * command, or one misspelt, every command, so that --help lists them and yargs names the mistake.
 */
async function commandsFor(argv: string[], io: CliIo, setExit: (code: number) => void): Promise<Command[]> {
  const named = argv.find((a) => !a.startsWith('-'));
  const chosen = named !== undefined && Object.hasOwn(COMMANDS, named) ? [named] : Object.keys(COMMANDS);
  return Promise.all(chosen.map((name) => COMMANDS[name]!(io, setExit)));
}

export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  let exitCode: number = EXIT.ok;
  const setExit = (code: number) => {
    exitCode = code;
  };
  try {
    const cli = yargs(argv).scriptName('tailgate').version(VERSION).strict();
    for (const command of await commandsFor(argv, io, setExit)) cli.command(command);
    await cli
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
