import type {
  ExitInfo,
  HostLauncher,
  HostProcess,
  HostRole,
} from '../../src-main/host/process/launcher';

/** A stand-in engine process: records what it is sent; the test speaks for it. */
export class FakeProcess implements HostProcess {
  readonly sent: unknown[] = [];
  private messageListeners: ((message: unknown) => void)[] = [];
  private exitListeners: ((info: ExitInfo) => void)[] = [];
  killed = false;

  constructor(
    readonly role: HostRole,
    readonly label: string,
    readonly pid: number,
  ) {}

  send(message: unknown): void {
    this.sent.push(message);
  }
  onMessage(listener: (message: unknown) => void): void {
    this.messageListeners.push(listener);
  }
  onExit(listener: (info: ExitInfo) => void): void {
    this.exitListeners.push(listener);
  }
  kill(): void {
    this.killed = true;
    this.exit({ code: null, signal: 'SIGKILL' });
  }
  /** The process says something. */
  say(message: unknown): void {
    for (const listener of this.messageListeners) listener(message);
  }
  exit(info: ExitInfo): void {
    const listeners = this.exitListeners;
    this.exitListeners = [];
    for (const listener of listeners) listener(info);
  }
}

export function fakeLauncher(onSpawn?: (p: FakeProcess) => void): {
  launcher: HostLauncher;
  spawned: FakeProcess[];
} {
  const spawned: FakeProcess[] = [];
  const launcher: HostLauncher = (role, label) => {
    const p = new FakeProcess(role, label, 1000 + spawned.length);
    spawned.push(p);
    onSpawn?.(p);
    return p;
  };
  return { launcher, spawned };
}
