/**
 * Durations as people write them (`500ms`, `3s`, `2m`, `1m30s`) and as they read them.
 */

const PART = /(\d+(?:\.\d+)?)(ms|s|m)/g;
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000 } as const;

export interface DurationOptions {
  /** The unit of a bare number. @default 'ms' */
  readonly bareUnit?: 'ms' | 's';
  /** Whether zero is a valid answer (a warm-up may be skipped; a timeout may not). @default false */
  readonly allowZero?: boolean;
}

/** Milliseconds from `500ms`, `1.5s`, `2m`, `1m30s`, or a bare number in `bareUnit`; `name` says what was wrong in the error. */
export function parseDurationMs(text: string, name: string, options: DurationOptions = {}): number {
  const trimmed = text.trim();
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(trimmed)) {
    ms = Number(trimmed) * UNIT_MS[options.bareUnit ?? 'ms'];
  } else if (trimmed && trimmed.replace(PART, '') === '') {
    ms = [...trimmed.matchAll(PART)].reduce((sum, [, value, unit]) => sum + Number(value) * UNIT_MS[unit as 'ms'], 0);
  } else {
    throw new Error(`${name}=${text} is not a duration (use e.g. 500ms, 30s, 2m, 1m30s)`);
  }
  if (ms < 0 || (ms === 0 && !options.allowZero)) throw new Error(`${name}=${text} must be longer than zero`);
  return ms;
}

/** A duration for a person: `0.4 ms`, `250 ms`, `3.2 s`, `4m05s`, `1h02m`; `–` when unknown. */
export function duration(ms: number | undefined): string {
  if (ms === undefined) return '–';
  // A rollback's traffic switch takes a fraction of a millisecond: "0 ms" would hide it.
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes}m${String(Math.round((ms % 60_000) / 1_000)).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}
