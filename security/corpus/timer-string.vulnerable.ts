// CWE-95: a string given to setTimeout is evaluated in the page, like eval.

export function refreshLater(widgetId: string): void {
  // lint: @typescript-eslint/no-implied-eval
  // ruleid: b2-code-evaluation-non-literal
  setTimeout('refreshWidget("' + widgetId + '")', 1000);
}
