// CWE-79 (OWASP A03): the web page writes a memory's text into the DOM as HTML.

export function showMemory(list: HTMLElement, memory: { text: string }): void {
  const item = document.createElement('li');
  // lint: no-unsanitized/property
  item.innerHTML = `<span class="text">${memory.text}</span>`;
  // lint: no-unsanitized/method
  list.insertAdjacentHTML('beforeend', '<hr>' + memory.text);
  list.append(item);
}
