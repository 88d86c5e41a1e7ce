/** Where a command writes: JSON lines for machines (`--json`), text for people. */
export class Output {
  constructor(readonly json: boolean) {}

  /** A progress record (JSON mode only). */
  event(record: Record<string, unknown>): void {
    if (this.json) process.stdout.write(`${JSON.stringify(record)}\n`);
  }

  /** The command's final object (JSON mode) or its human summary. */
  result(record: Record<string, unknown>, human: string): void {
    process.stdout.write(this.json ? `${JSON.stringify(record)}\n` : `${human}\n`);
  }

  /** A line for people, on stderr so it never mixes with JSON on stdout. */
  note(line: string): void {
    process.stderr.write(`${line}\n`);
  }

  /** Something the user should know that does not stop the command, on stderr. */
  warn(line: string): void {
    warn(line);
  }
}

export function warn(line: string): void {
  process.stderr.write(`latent-atlas: warning: ${line}\n`);
}

export function fixed(n: number | null | undefined, digits = 2): string {
  return n === null || n === undefined || !Number.isFinite(n) ? 'n/a' : n.toFixed(digits);
}
