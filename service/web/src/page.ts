import { ApiError, SessionExpiredError } from './api';

/** One element of index.html, of the type the code expects; a missing one is a broken build, said plainly. */
export function element<T extends HTMLElement>(id: string, type: { readonly name?: string; new (): T }): T {
  const found = document.getElementById(id);
  if (!(found instanceof type)) throw new Error(`index.html has no ${type.name ?? 'element'} #${id}`);
  return found;
}

/**
 * The two live regions of the page: `notice` (role status) for what happened, `problem` (role
 * alert) for what went wrong. They stay in the page from the start, so screen readers announce
 * each change.
 */
export class Messages {
  private readonly notice = element('notice', HTMLDivElement);
  private readonly problem = element('problem', HTMLDivElement);

  tell(text: string): void {
    this.problem.textContent = '';
    this.notice.textContent = text;
  }

  warn(text: string): void {
    this.notice.textContent = '';
    this.problem.textContent = text;
  }

  clear(): void {
    this.notice.textContent = '';
    this.problem.textContent = '';
  }

  /**
   * Runs one user action and shows its failure. An ended session is not shown here: the app has
   * already returned to sign-in with its own message.
   */
  async guard(action: () => Promise<void>): Promise<void> {
    try {
      await action();
    } catch (error) {
      this.report(error);
    }
  }

  report(error: unknown): void {
    if (error instanceof SessionExpiredError) return;
    if (error instanceof ApiError) this.warn(error.message);
    else this.warn(`Something went wrong: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Disables the button while its request runs, so a double click sends the request once. */
export async function whileBusy(button: HTMLButtonElement, action: () => Promise<void>): Promise<void> {
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    await action();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}
