import { Command, CommanderError } from 'commander';
import { registerInfo } from './commands/info';
import { registerTrain } from './commands/train';
import { registerModelCommands } from './commands/models';
import { registerCoverage } from './commands/coverage';
import { registerEval } from './commands/eval';
import { registerServe } from './commands/serve';
import { registerImport } from './commands/import';
import { registerExport } from './commands/export';
import { registerImportEmbedding } from './commands/import-embedding';
import { registerCartography } from './commands/cartography';
import { reportError, PREFIX } from './errors';
import { version } from './version';

// Commands declare their options here and import the engine (TensorFlow.js, sharp, zod) inside
// their actions: `--help` and usage errors answer without loading any of it.

/** `latent-atlas`: the headless face of the engine. */
export function buildProgram(): Command {
  const program = new Command('latent-atlas')
    .description('Train, inspect and sample variational autoencoders, offline.')
    .version(version)
    .configureOutput({
      // Commander's own errors ("error: unknown option …") get the prefix every error has, and the
      // hint to --help on the same line.
      outputError: (text, write) => {
        const line = text.trim();
        if (!line) return;
        write(`${PREFIX}${line.replace(/^error:\s*/, '')} (run with --help for usage)\n`);
      },
    })
    .exitOverride();
  registerInfo(program, version);
  registerTrain(program);
  registerEval(program);
  registerModelCommands(program);
  registerCoverage(program);
  registerImport(program);
  registerServe(program);
  registerExport(program);
  registerImportEmbedding(program);
  registerCartography(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  // `latent-atlas … | head` closes stdout early: that is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    // Commander has already printed its own message for usage errors and --help/--version.
    if (err instanceof CommanderError) process.exit(err.exitCode);
    reportError(err);
  }
}
