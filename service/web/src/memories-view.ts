import { ApiClient, Category, Memory } from './api';
import { element, Messages, whileBusy } from './page';

export interface MemoriesViewProps {
  readonly api: ApiClient;
  readonly messages: Messages;
}

const WHEN = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** The signed-in page: add a memory, then find it again by category or by words, and delete it. */
export class MemoriesView {
  private readonly section = element('memories-view', HTMLElement);
  private readonly heading = element('memories-heading', HTMLHeadingElement);
  private readonly addForm = element('add-form', HTMLFormElement);
  private readonly text = element('memory-text', HTMLTextAreaElement);
  private readonly category = element('memory-category', HTMLInputElement);
  private readonly addSubmit = element('add-submit', HTMLButtonElement);
  private readonly suggestions = element('category-suggestions', HTMLDataListElement);
  private readonly findForm = element('find-form', HTMLFormElement);
  private readonly filter = element('category-filter', HTMLSelectElement);
  private readonly search = element('search-text', HTMLInputElement);
  private readonly summary = element('list-summary', HTMLParagraphElement);
  private readonly list = element('memory-list', HTMLUListElement);
  private readonly showMore = element('show-more', HTMLButtonElement);

  private shown = 0;
  private nextCursor?: string;
  /** Only the answer to the latest listing is drawn: a slower earlier one must not overwrite it. */
  private listing = 0;

  constructor(private readonly props: MemoriesViewProps) {
    this.addForm.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.props.messages.guard(() => whileBusy(this.addSubmit, () => this.add()));
    });
    this.findForm.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.props.messages.guard(() => this.load());
    });
    this.filter.addEventListener('change', () => void this.props.messages.guard(() => this.load()));
    // Clearing the search box (its clear button or Escape) shows everything again.
    this.search.addEventListener('search', () => {
      if (this.search.value === '') void this.props.messages.guard(() => this.load());
    });
    this.showMore.addEventListener('click', () => {
      void this.props.messages.guard(() => whileBusy(this.showMore, () => this.loadMore()));
    });
  }

  async show(): Promise<void> {
    this.filter.value = '';
    this.search.value = '';
    this.text.value = '';
    this.category.value = '';
    this.section.hidden = false;
    this.heading.focus();
    await Promise.all([this.load(), this.loadCategories()]);
  }

  hide(): void {
    this.section.hidden = true;
    this.listing += 1;
    this.list.replaceChildren();
    this.summary.textContent = '';
    this.showMore.hidden = true;
  }

  private get query(): { category?: string; q?: string } {
    return { category: this.filter.value || undefined, q: this.search.value.trim() || undefined };
  }

  private async load(): Promise<void> {
    const listing = ++this.listing;
    this.list.setAttribute('aria-busy', 'true');
    try {
      const page = await this.props.api.listMemories(this.query);
      if (listing !== this.listing) return;
      this.list.replaceChildren(...page.items.map((memory) => this.item(memory)));
      this.shown = page.items.length;
      this.nextCursor = page.nextCursor;
      this.describe();
    } finally {
      if (listing === this.listing) this.list.removeAttribute('aria-busy');
    }
  }

  private async loadMore(): Promise<void> {
    if (!this.nextCursor) return;
    const listing = this.listing;
    const page = await this.props.api.listMemories({ ...this.query, cursor: this.nextCursor });
    if (listing !== this.listing) return;
    this.list.append(...page.items.map((memory) => this.item(memory)));
    this.shown += page.items.length;
    this.nextCursor = page.nextCursor;
    this.describe();
  }

  private async loadCategories(): Promise<void> {
    const categories = await this.props.api.categories();
    this.showCategories([...categories].sort((a, b) => a.name.localeCompare(b.name)));
  }

  private showCategories(categories: readonly Category[]): void {
    const selected = this.filter.value;
    const options = categories.map(({ name, count }) => new Option(`${name} (${count})`, name));
    // A filter whose last memory was just deleted stays chosen, so the list does not jump.
    if (selected && !categories.some(({ name }) => name === selected)) {
      options.push(new Option(`${selected} (0)`, selected));
    }
    this.filter.replaceChildren(new Option('All categories', ''), ...options);
    this.filter.value = selected;
    this.suggestions.replaceChildren(...categories.map(({ name }) => new Option(name)));
  }

  private describe(): void {
    const { category, q } = this.query;
    const scope = [category && `in “${category}”`, q && `matching “${q}”`].filter(Boolean).join(' ');
    if (this.shown === 0) {
      this.summary.textContent = scope ? `No memories ${scope}.` : 'No memories yet. Add your first one above.';
    } else {
      const count = `${this.shown} ${this.shown === 1 ? 'memory' : 'memories'}`;
      this.summary.textContent = `Showing ${count}${scope ? ` ${scope}` : ''}${this.nextCursor ? ', more below' : ''}.`;
    }
    this.showMore.hidden = !this.nextCursor;
  }

  private async add(): Promise<void> {
    const memory = await this.props.api.addMemory(this.text.value.trim(), this.category.value.trim());
    this.text.value = '';
    this.props.messages.tell(`Memory added to “${memory.category}”.`);
    this.text.focus();
    await Promise.all([this.load(), this.loadCategories()]);
  }

  private async remove(memory: Memory, item: HTMLLIElement, button: HTMLButtonElement): Promise<void> {
    await whileBusy(button, () => this.props.api.deleteMemory(memory.id));
    // Focus moves to the neighbouring memory, so a keyboard user keeps their place in the list.
    const neighbour = (item.nextElementSibling ?? item.previousElementSibling)?.querySelector('button');
    item.remove();
    this.shown -= 1;
    this.describe();
    if (neighbour) neighbour.focus();
    else this.search.focus();
    this.props.messages.tell('Memory deleted.');
    await this.loadCategories();
  }

  private item(memory: Memory): HTMLLIElement {
    const item = document.createElement('li');
    item.className = 'memory';

    const text = document.createElement('p');
    text.className = 'memory-text';
    text.id = `memory-${memory.id}`;
    text.textContent = memory.text;

    const category = document.createElement('span');
    category.className = 'memory-category';
    category.textContent = memory.category;
    const created = document.createElement('time');
    created.dateTime = memory.createdAt;
    created.textContent = WHEN.format(new Date(memory.createdAt));
    const meta = document.createElement('p');
    meta.className = 'memory-meta';
    meta.append(category, ' · ', created);

    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'delete';
    remove.textContent = 'Delete';
    // The button says what it does; its description says which memory (read after the name).
    remove.setAttribute('aria-describedby', text.id);
    remove.addEventListener('click', () => void this.props.messages.guard(() => this.remove(memory, item, remove)));

    item.append(text, meta, remove);
    return item;
  }
}
