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
