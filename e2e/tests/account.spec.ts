import { expect, registerThroughApi, STORED_REFRESH_TOKEN, test } from '../support/b2';

test.describe('an account', () => {
  test('a new user signs up and lands signed in on an empty list of memories', async ({
    signInPage,
    memoriesPage,
    user,
  }) => {
    await signInPage.open();
    await signInPage.register(user);

    await memoriesPage.expectSignedInAs(user.email);
    await expect(memoriesPage.items).toHaveCount(0);
    await expect(memoriesPage.summary).toHaveText('No memories yet. Add your first one above.');
  });

  test('signing up with an email that is already registered shows why it was refused', async ({
    api,
    signInPage,
    user,
    page,
  }) => {
    await registerThroughApi(api, user);
    await signInPage.open();
    await signInPage.register({ email: user.email, password: `${user.password}-other` });

    const refusal = await api.post('/auth/register', {
      data: { email: user.email, password: `${user.password}-other` },
    });
    expect(refusal.status()).toBe(409);
    const { error } = (await refusal.json()) as { error: { message: string } };
    await expect(page.getByRole('alert')).toHaveText(error.message);
    await expect(signInPage.heading).toHaveText('Create an account');
  });

  test('a registered user signs in with their email and password', async ({ api, signInPage, memoriesPage, user }) => {
    await registerThroughApi(api, user);
    await signInPage.open();
    await signInPage.signIn(user);

    await memoriesPage.expectSignedInAs(user.email);
  });

  test('a wrong password is refused with the service’s message and the user stays on sign-in', async ({
    api,
    signInPage,
    user,
    page,
  }) => {
    await registerThroughApi(api, user);
    await signInPage.open();
    await signInPage.signIn({ email: user.email, password: `${user.password}-wrong` });

    const refusal = await api.post('/auth/login', { data: { email: user.email, password: `${user.password}-wrong` } });
    expect(refusal.status()).toBe(401);
    const { error } = (await refusal.json()) as { error: { message: string } };
    await expect(page.getByRole('alert')).toHaveText(error.message);
    await signInPage.expectShown();
  });

  test('signing out returns to sign-in, forgets the session and ends it on the service', async ({
    signInPage,
    memoriesPage,
    user,
    page,
    api,
  }) => {
    await signInPage.open();
    await signInPage.register(user);
    await memoriesPage.expectSignedInAs(user.email);
    const refreshToken = await page.evaluate((key) => window.sessionStorage.getItem(key), STORED_REFRESH_TOKEN);

    await memoriesPage.signOut();

    await signInPage.expectShown();
    await expect(page.getByRole('status')).toHaveText('You have signed out.');
    expect(await page.evaluate((key) => window.sessionStorage.getItem(key), STORED_REFRESH_TOKEN)).toBeNull();
    await page.reload();
    await signInPage.expectShown();
    // The session is over on the service too: its refresh token no longer renews anything.
    const renewal = await api.post('/auth/refresh', { data: { refreshToken } });
    expect(renewal.status()).toBe(401);
  });
});
