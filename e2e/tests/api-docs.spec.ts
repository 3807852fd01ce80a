import { expect, test } from '../support/b2';

/**
 * The API's docs page, as a reader opens it: Swagger UI renders the contract the environment's
 * API serves, from the release's own bundle, under the page's Content-Security-Policy.
 */
test.describe('the API docs page', () => {
  test('renders every group of routes of the contract the API serves, with no script refused by the CSP', async ({
    page,
  }, testInfo) => {
    const refused: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) refused.push(message.text());
    });
    const contract = page.waitForResponse((response) => response.url().endsWith('/openapi.json'));
    await page.goto('./docs.html');
    expect((await contract).status()).toBe(200);

    await expect(page.getByRole('heading', { name: /B2 API/ })).toBeVisible();
    for (const tag of ['health', 'auth', 'memories']) {
      await expect(page.locator(`#operations-tag-${tag}`)).toBeVisible();
    }
    await expect(page.locator('.opblock-summary-path', { hasText: '/memories/{id}' }).first()).toBeVisible();
    expect(refused).toEqual([]);

    await testInfo.attach('api-docs', { body: await page.screenshot({ fullPage: true }), contentType: 'image/png' });
  });
});
