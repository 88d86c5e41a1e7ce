import { ERROR_CODES } from './names';
import type { ErrorCode, ErrorInfo } from './records';

/**
 * An error that crosses a boundary intact: a message a person can act on and a code a program can
 * branch on. Anything else thrown by a handler travels as `internal`.
 */
export class AtlasError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'AtlasError';
    this.code = code;
  }

  toInfo(): ErrorInfo {
    return { code: this.code, message: this.message };
  }

  static from(err: unknown): AtlasError {
    if (err instanceof AtlasError) return err;
    if (err && typeof err === 'object' && 'code' in err && 'message' in err) {
      const { code, message } = err as { code: unknown; message: unknown };
      if (typeof code === 'string' && typeof message === 'string' && isErrorCode(code)) {
        return new AtlasError(code, message);
      }
    }
    return new AtlasError('internal', err instanceof Error ? err.message : String(err));
  }
}

function isErrorCode(code: string): code is ErrorCode {
  return (ERROR_CODES as readonly string[]).includes(code);
}
