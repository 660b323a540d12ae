/**
 * One error class for everything estate reports. `source` says whose move it is:
 * `user` (fix the input, exit 2), `aws` (the call failed, exit 1), `internal` (a bug).
 */
export type ErrorSource = 'user' | 'aws' | 'internal';

export interface EstateErrorOptions {
  readonly code: string;
  readonly source: ErrorSource;
  readonly suggestions?: readonly string[];
  readonly cause?: unknown;
  /** Overrides the exit code derived from source. */
  readonly exitCode?: number;
  /** Extra serialisable detail included in --json error output. */
  readonly details?: Readonly<Record<string, unknown>>;
}

export class EstateError extends Error {
  readonly code: string;
  readonly source: ErrorSource;
  readonly suggestions: readonly string[];
  readonly exitCode: number;
  readonly details?: Readonly<Record<string, unknown>>;

  constructor(message: string, options: EstateErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'EstateError';
    this.code = options.code;
    this.source = options.source;
    this.suggestions = options.suggestions ?? [];
    this.exitCode = options.exitCode ?? (options.source === 'user' ? 2 : 1);
    this.details = options.details;
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      source: this.source,
      message: this.message,
      suggestions: this.suggestions,
      ...(this.details ? { details: this.details } : {}),
    };
  }
}

export function userError(code: string, message: string, suggestions: readonly string[] = []): EstateError {
  return new EstateError(message, { code, source: 'user', suggestions });
}

/** A flag a non-interactive run needed but did not get. */
export function missingFlag(flag: string, what: string): EstateError {
  return new EstateError(`${what} is required in a non-interactive run: pass ${flag}`, {
    code: 'MissingFlag',
    source: 'user',
    suggestions: [`re-run with ${flag} …`, 'or run in a terminal without CI set to be asked'],
  });
}

/** Several answers missing at once in a non-interactive run: every flag named in one error. */
export function missingFlags(missing: readonly { flag: string; what: string }[]): EstateError {
  if (missing.length === 1) return missingFlag(missing[0]!.flag, missing[0]!.what);
  return new EstateError(
    `${missing.length} answers are required in a non-interactive run: ${missing.map((m) => `${m.flag} (${m.what})`).join(', ')}`,
    {
      code: 'MissingFlag',
      source: 'user',
      suggestions: [
        `re-run with ${missing.map((m) => m.flag).join(', ')}`,
        'or run in a terminal without CI set to be asked',
      ],
    },
  );
}

export function isEstateError(error: unknown): error is EstateError {
  return error instanceof EstateError;
}
