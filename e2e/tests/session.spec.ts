import { Page } from '@playwright/test';
import { expect, SESSION_EXPIRED, STORED_REFRESH_TOKEN, storedRefreshToken, test } from '../support/b2';

/**
 * The access token lives only in the page's memory, so a test cannot age it. Instead, the API
 * requests of the page carry a token whose signature no longer matches: the real service rejects
 * it exactly as it rejects one it no longer accepts, and the page has to renew the session with
 * its refresh token, for real, against the real service.
 */
async function spoilAccessToken(page: Page, requests: { spoiled: number }): Promise<void> {
  await page.route(
    (url) => /\/(memories|categories)(\/|$)/.test(url.pathname),
    async (route) => {
      const headers = route.request().headers();
      const token = headers.authorization?.replace(/^Bearer /, '');
      if (!token || requests.spoiled > 0) return route.continue();
      requests.spoiled += 1;
      // The last characters of a JWT are its signature: changing them keeps the token well formed but forged.
      const forged = `${token.slice(0, -4)}${token.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
      await route.continue({ headers: { ...headers, authorization: `Bearer ${forged}` } });
    },
  );
}

test.describe('a session', () => {
  test.beforeEach(async ({ signInPage, memoriesPage, user }) => {
    await signInPage.open();
    await signInPage.register(user);
    await memoriesPage.expectSignedInAs(user.email);
  });

  test('survives a reload: the tab renews its session with the stored refresh token', async ({
    memoriesPage,
    page,
    user,
  }) => {
    await memoriesPage.add('Pick up the dry cleaning', 'errands');
    const before = await storedRefreshToken(page);

    await page.reload();

    await memoriesPage.expectSignedInAs(user.email);
    await expect(memoriesPage.item('Pick up the dry cleaning')).toBeVisible();
    // Refresh tokens rotate: the renewal left a new one in place of the old.
    expect(await storedRefreshToken(page)).not.toBe(before);
  });

  test('a rejected access token is renewed once and the user’s action still goes through', async ({
    memoriesPage,
    page,
  }) => {
    const before = await storedRefreshToken(page);
    const requests = { spoiled: 0 };
    await spoilAccessToken(page, requests);

    await memoriesPage.add('Send the invoice to the client', 'work');

    expect(requests.spoiled).toBe(1);
    await expect(page.getByRole('alert')).toBeEmpty();
    expect(await storedRefreshToken(page)).not.toBe(before);
  });

  test('a session that has ended on the service sends the user back to sign-in with a message at their next action', async ({
    signInPage,
    memoriesPage,
    page,
    api,
  }) => {
    // The session ends on the service (as when it expires or is revoked): its refresh token renews nothing.
    const logout = await api.post('/auth/logout', { data: { refreshToken: await storedRefreshToken(page) } });
    expect(logout.status()).toBe(204);
    await spoilAccessToken(page, { spoiled: 0 });

    await page.getByLabel('Memory', { exact: true }).fill('This should never be saved');
    await page.getByLabel('Category', { exact: true }).fill('lost');
    await page.getByRole('button', { name: 'Add memory' }).click();

    await signInPage.expectShown();
    await expect(page.getByRole('alert')).toHaveText(SESSION_EXPIRED);
    expect(await page.evaluate((key) => window.sessionStorage.getItem(key), STORED_REFRESH_TOKEN)).toBeNull();
    await expect(memoriesPage.heading).toBeHidden();
  });

  test('a tab whose stored session has ended returns to sign-in with a message on reload', async ({
    signInPage,
    page,
    api,
  }) => {
    const logout = await api.post('/auth/logout', { data: { refreshToken: await storedRefreshToken(page) } });
    expect(logout.status()).toBe(204);

    await page.reload();

    await signInPage.expectShown();
    await expect(page.getByRole('alert')).toHaveText(SESSION_EXPIRED);
  });
});
