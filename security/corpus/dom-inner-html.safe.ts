// Lookalike of dom-inner-html: the text goes into the DOM as text.

export function showMemory(list: HTMLElement, memory: { text: string }): void {
  const item = document.createElement('li');
  const text = document.createElement('span');
  text.className = 'text';
  text.textContent = memory.text;
  item.append(text);
  list.insertAdjacentHTML('beforeend', '<hr>');
  list.append(item);
}
