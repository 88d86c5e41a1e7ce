import { Command, CommanderError } from 'commander';
import { registerInfo } from './commands/info';
import { registerTrain } from './commands/train';
import { registerModelCommands } from './commands/models';
import { registerCoverage } from './commands/coverage';
import { registerEval } from './commands/eval';
import { reportError, PREFIX } from './errors';
import { version } from './version';

// Commands declare their options here and import the engine (TensorFlow.js, sharp, zod) inside
// their actions: `--help` and usage errors answer without loading any of it.

/** How `serve` appears in the command list when it is not the command being run. */
const SERVE_SUMMARY = 'serve the explorer to a browser, token-protected, over a WebSocket';

/**
 * `latent-atlas`: the headless face of the engine. `serve` registers itself with the server (ws,
 * the contract's schemas) imported at the top of its module, a good part of a second to load:
 * it is imported only when `serve` is on the command line, and listed by name otherwise.
 */
export async function buildProgram(argv: string[]): Promise<Command> {
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
  if (argv.slice(2).includes('serve')) {
    const { registerServe } = await import('./commands/serve');
    registerServe(program);
  } else {
    program.command('serve').description(SERVE_SUMMARY);
  }
  return program;
}

export async function main(argv: string[]): Promise<void> {
  // `latent-atlas … | head` closes stdout early: that is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  try {
    await (await buildProgram(argv)).parseAsync(argv);
  } catch (err) {
    // Commander has already printed its own message for usage errors and --help/--version.
    if (err instanceof CommanderError) process.exit(err.exitCode);
    reportError(err);
  }
}
