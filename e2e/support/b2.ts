import { randomUUID } from 'node:crypto';
import { APIRequestContext, expect, Locator, Page, request, test as base } from '@playwright/test';

/** The keys under which the front end keeps the session in sessionStorage (service/web/src/api.ts). */
export const STORED_REFRESH_TOKEN = 'b2.refreshToken';

export const SESSION_EXPIRED = 'Your session has expired, please sign in again';

export interface Credentials {
  readonly email: string;
  readonly password: string;
}

/** The sign-in page, found the way a person (or a screen reader) finds it: by roles and labels. */
export class SignInPage {
  readonly heading: Locator;
  readonly email: Locator;
  readonly password: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { level: 1 });
    this.email = page.getByLabel('Email', { exact: true });
    this.password = page.getByLabel('Password', { exact: true });
  }

  async open(): Promise<void> {
    await this.page.goto('/');
    await expect(this.heading).toHaveText('Sign in');
  }

  async register({ email, password }: Credentials): Promise<void> {
    await this.page.getByRole('button', { name: 'Create an account' }).click();
    await expect(this.heading).toHaveText('Create an account');
    await this.email.fill(email);
    await this.password.fill(password);
    await this.page.getByRole('button', { name: 'Create account', exact: true }).click();
  }

  async signIn({ email, password }: Credentials): Promise<void> {
    await this.email.fill(email);
    await this.password.fill(password);
    await this.page.getByRole('button', { name: 'Sign in', exact: true }).click();
  }

  async expectShown(): Promise<void> {
    await expect(this.heading).toHaveText('Sign in');
    await expect(this.email).toBeVisible();
    await expect(this.page.getByRole('button', { name: 'Sign out' })).toBeHidden();
  }
}

/** The signed-in page: the add form, the find form and the list. */
export class MemoriesPage {
  readonly heading: Locator;
  readonly list: Locator;
  readonly items: Locator;
  readonly summary: Locator;
  readonly categoryFilter: Locator;
  readonly search: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { name: 'Your memories', level: 1 });
    this.list = page.getByRole('list', { name: 'Memories' });
    this.items = this.list.getByRole('listitem');
    this.summary = page.locator('#list-summary');
    this.categoryFilter = page.getByLabel('Filter by category');
    this.search = page.getByRole('searchbox', { name: 'Search memories' });
  }

  async expectSignedInAs(email: string): Promise<void> {
    await expect(this.heading).toBeVisible();
    await expect(this.page.getByText(`Signed in as ${email}`)).toBeVisible();
  }

  async add(text: string, category: string): Promise<void> {
    await this.page.getByLabel('Memory', { exact: true }).fill(text);
    await this.page.getByLabel('Category', { exact: true }).fill(category);
    await this.page.getByRole('button', { name: 'Add memory' }).click();
    await expect(this.page.getByRole('status')).toHaveText(`Memory added to “${category}”.`);
    await expect(this.item(text)).toBeVisible();
  }

  item(text: string): Locator {
    return this.items.filter({ hasText: text });
  }

  async find(query: { readonly category?: string; readonly words?: string }): Promise<void> {
    if (query.category !== undefined) await this.categoryFilter.selectOption({ value: query.category });
    if (query.words !== undefined) {
      await this.search.fill(query.words);
      await this.page.getByRole('search', { name: 'Find memories' }).getByRole('button', { name: 'Search' }).click();
    }
  }

  async delete(text: string): Promise<void> {
    await this.item(text).getByRole('button', { name: 'Delete' }).click();
    await expect(this.page.getByRole('status')).toHaveText('Memory deleted.');
    await expect(this.item(text)).toHaveCount(0);
  }

  async signOut(): Promise<void> {
    await this.page.getByRole('button', { name: 'Sign out' }).click();
  }
}

interface B2Fixtures {
  /** A user of this test alone: a unique email, so parallel tests and repeated runs never collide. */
  readonly user: Credentials;
  /** The environment's API, for arranging what the test needs before (or around) the browser. */
  readonly api: APIRequestContext;
  readonly signInPage: SignInPage;
  readonly memoriesPage: MemoriesPage;
}

export const test = base.extend<B2Fixtures>({
  // eslint-disable-next-line no-empty-pattern -- Playwright reads a fixture's dependencies from this pattern.
  user: async ({}, use, testInfo) => {
    const slug = testInfo.title
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .slice(0, 24);
    await use({ email: `e2e-${slug}-${randomUUID()}@example.test`, password: `pw-${randomUUID()}` });
  },
  // eslint-disable-next-line no-empty-pattern -- Playwright reads a fixture's dependencies from this pattern.
  api: async ({}, use) => {
    const apiUrl = process.env.B2_E2E_API_URL;
    if (!apiUrl) throw new Error('B2_E2E_API_URL is not set: the global setup reads it from the environment');
    const context = await request.newContext({ baseURL: apiUrl });
    await use(context);
    await context.dispose();
  },
  signInPage: async ({ page }, use) => use(new SignInPage(page)),
  memoriesPage: async ({ page }, use) => use(new MemoriesPage(page)),
});

export { expect };

/** Registers a user through the API (for tests whose subject is not the sign-up form). */
export async function registerThroughApi(api: APIRequestContext, user: Credentials): Promise<void> {
  const response = await api.post('/auth/register', { data: user });
  expect(response.status(), await response.text()).toBe(201);
}

/** The refresh token the front end keeps for this tab. */
export async function storedRefreshToken(page: Page): Promise<string> {
  const token = await page.evaluate((key) => window.sessionStorage.getItem(key), STORED_REFRESH_TOKEN);
  expect(token, 'the front end keeps a refresh token in sessionStorage').toBeTruthy();
  return token as string;
}
