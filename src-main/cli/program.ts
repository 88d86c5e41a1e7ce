import { Command, CommanderError } from 'commander';
import { registerInfo } from './commands/info';
import { registerTrain } from './commands/train';
import { registerModelCommands } from './commands/models';
import { registerCoverage } from './commands/coverage';
import { registerEval } from './commands/eval';
import { registerServe } from './commands/serve';
import { reportError } from './errors';
import { version } from './version';

/** `latent-atlas`: the headless face of the engine. */
export function buildProgram(): Command {
  const program = new Command('latent-atlas')
    .description('Train, inspect and sample variational autoencoders, offline.')
    .version(version)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerInfo(program, version);
  registerTrain(program);
  registerEval(program);
  registerModelCommands(program);
  registerCoverage(program);
  registerServe(program);
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
