// What the suites that train through the CLI share: reading `--name=value` arguments, and running
// `latent-atlas … --json` in a child process, echoing its epochs and returning its final record.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

/** `--name=value` (as `npm run bench -- suite --epochs=50` passes it) or `--name value`. */
export function benchArg(name: string, fallback: string): string {
  const joined = process.argv.find((a) => a.startsWith(`${name}=`));
  if (joined) return joined.slice(name.length + 1);
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

/** One JSON line of the CLI's output (an epoch event, or the final record). */
export type CliRecord = Record<string, unknown> & { type?: string; epoch?: number };

const loader = path.resolve('node_modules/tsx/dist/loader.mjs');

/**
 * Runs the CLI with `args` and `--json`; prints `epochLine(record)` for each epoch event and
 * resolves with the last line's record (whole lines only: eval's final object, with its coverage
 * report, spans many stdout chunks).
 */
export function runCli(
  args: string[],
  log: string,
  epochLine: (record: CliRecord) => string,
): Promise<CliRecord> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', loader, 'src-main/cli/main.ts', ...args, '--json'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let last = '';
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (!line) return;
      last = line;
      const record = JSON.parse(line) as CliRecord;
      if (record.type === 'epoch') console.log(`${log}: ${epochLine(record)}`);
    });
    child.on('close', (code) =>
      code === 0
        ? resolve(JSON.parse(last) as CliRecord)
        : reject(new Error(`${log} failed (${code})`)),
    );
  });
}
