/**
 * How the supervisor starts engine processes, whatever they are: an Electron utilityProcess in
 * the app, a Node child process headless. Messages are structured-cloned both ways.
 */
export type HostRole = 'inference' | 'train';

export interface ExitInfo {
  code: number | null;
  signal: string | null;
}

export interface HostProcess {
  readonly pid: number | undefined;
  send(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  onExit(listener: (info: ExitInfo) => void): void;
  /** Ends the process at once (SIGKILL where there are signals). */
  kill(): void;
}

/** Starts one engine process; `label` names it in logs and process lists. */
export type HostLauncher = (role: HostRole, label: string) => HostProcess;

export function describeExit({ code, signal }: ExitInfo): string {
  if (signal) return `killed by ${signal}`;
  return `exited with code ${code ?? 'unknown'}`;
}
