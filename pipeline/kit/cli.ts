import { parseArgs, ParseArgsConfig } from 'node:util';

/**
 * Every command-line entry point of the pipeline ends through here: its exit code is the
 * result, and an unexpected error becomes one line with its cause, never a stack trace.
 * Set B2_DEBUG=1 to see the stack.
 */
export function runMain(main: () => Promise<number> | number): void {
  Promise.resolve()
    .then(main)
    .then(
      (code) => process.exit(code),
      (err: unknown) => {
        const message = err instanceof Error ? err.message : String(err);
        console.error(`error: ${message}`);
        if (process.env.B2_DEBUG && err instanceof Error) console.error(err.stack);
        process.exit(2);
      },
    );
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** `--by <value>` or `--remove`, as a person would type the options. */
function describeOptions(options: Options): string {
  return Object.entries(options)
    .map(([name, option]) => (option.type === 'string' ? `--${name} <value>` : `--${name}`))
    .join(', ');
}

/**
 * Parses a command line with node's `parseArgs`, after the `--` that `npx projen <task> -- …`
 * hands over. An unknown option, or a value missing after one, is refused in one line that
 * lists the valid options.
 */
export function parseCommandLine<T extends Options>(args: readonly string[], options: T) {
  try {
    return parseArgs({ args: args.filter((arg) => arg !== '--'), options, allowPositionals: true, strict: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const first = (err as Error).message.split('. ')[0];
      throw new Error(`${first}; valid options: ${describeOptions(options)}`);
    }
    throw err;
  }
}
