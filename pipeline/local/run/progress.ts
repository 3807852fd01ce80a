import { Listr, ListrTask, ListrTaskWrapper, PRESET_TIMER } from 'listr2';

type Ctx = Record<string, never>;
/** One task of the progress list: its title and output lines are what a person watches. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- listr2's wrapper is generic over its renderers
export type ProgressTask = ListrTaskWrapper<Ctx, any, any>;
export type ProgressItem = ListrTask<Ctx>;

/** A live task list at a terminal; plain lines without one (CI, the git hook, a pipe). */
export function progressRenderer(): 'default' | 'simple' {
  return process.stdout.isTTY && !process.env.CI ? 'default' : 'simple';
}

/** Runs tasks one after another with their progress shown; the first failure stops the list. */
export async function runWithProgress(tasks: readonly ProgressItem[]): Promise<void> {
  if (tasks.length === 0) return;
  const list = new Listr<Ctx, 'default' | 'simple', 'simple'>([...tasks], {
    renderer: progressRenderer(),
    fallbackRenderer: 'simple',
    rendererOptions: { timer: PRESET_TIMER, collapseSubtasks: false, showErrorMessage: true },
    fallbackRendererOptions: { timer: PRESET_TIMER },
    registerSignalListeners: false,
    exitOnError: true,
  });
  await list.run();
}

/** Runs tasks side by side, at most `concurrent` at once, under a parent task; every task runs even if one fails. */
export async function runSideBySide(
  parent: ProgressTask,
  tasks: readonly ProgressItem[],
  concurrent: number,
): Promise<void> {
  await parent.newListr<Ctx>([...tasks], { concurrent, exitOnError: false }).run();
}
