// Lookalike of timer-string: the timer is given a function.

declare function refreshWidget(widgetId: string): void;

export function refreshLater(widgetId: string): void {
  setTimeout(() => refreshWidget(widgetId), 1000);
}
