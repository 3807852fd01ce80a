import { expect, test } from '../support/b2';

test.describe('memories', () => {
  test.beforeEach(async ({ signInPage, memoriesPage, user }) => {
    await signInPage.open();
    await signInPage.register(user);
    await memoriesPage.expectSignedInAs(user.email);
  });

  test('a user adds memories and sees them newest first with their category', async ({ memoriesPage }) => {
    await memoriesPage.add('Buy oat milk and coffee beans', 'errands');
    await memoriesPage.add('The Wi-Fi password at the studio is on the fridge', 'home');

    await expect(memoriesPage.items).toHaveCount(2);
    await expect(memoriesPage.items.nth(0)).toContainText('The Wi-Fi password at the studio is on the fridge');
    await expect(memoriesPage.items.nth(0)).toContainText('home');
    await expect(memoriesPage.items.nth(1)).toContainText('Buy oat milk and coffee beans');
    await expect(memoriesPage.items.nth(1)).toContainText('errands');
    await expect(memoriesPage.summary).toHaveText('Showing 2 memories.');
  });

  test('a user finds a memory by category and by a word in it', async ({ memoriesPage }) => {
    await memoriesPage.add('Call the plumber about the kitchen tap', 'home');
    await memoriesPage.add('Quarterly report is due on Friday', 'work');
    await memoriesPage.add('Book the dentist for the kids', 'family');

    await expect(memoriesPage.categoryFilter.getByRole('option')).toHaveText([
      'All categories',
      ...['family (1)', 'home (1)', 'work (1)'],
    ]);
    await memoriesPage.find({ category: 'work' });
    await expect(memoriesPage.items).toHaveCount(1);
    await expect(memoriesPage.items).toContainText('Quarterly report is due on Friday');

    await memoriesPage.find({ category: '', words: 'plumber' });
    await expect(memoriesPage.items).toHaveCount(1);
    await expect(memoriesPage.items).toContainText('Call the plumber about the kitchen tap');

    await memoriesPage.find({ words: 'nothing like this anywhere' });
    await expect(memoriesPage.items).toHaveCount(0);
    await expect(memoriesPage.summary).toHaveText('No memories matching “nothing like this anywhere”.');
  });

  test('a user deletes a memory and it stays deleted after a reload', async ({ memoriesPage, page }) => {
    await memoriesPage.add('Renew the passport before June', 'admin');
    await memoriesPage.add('Water the tomatoes every evening', 'garden');

    await memoriesPage.delete('Renew the passport before June');

    await expect(memoriesPage.items).toHaveCount(1);
    await expect(memoriesPage.categoryFilter.getByRole('option')).toHaveText(['All categories', 'garden (1)']);
    await page.reload();
    await expect(memoriesPage.item('Water the tomatoes every evening')).toBeVisible();
    await expect(memoriesPage.item('Renew the passport before June')).toHaveCount(0);
  });

  test('a memory the service refuses shows the service’s message and nothing is added', async ({
    memoriesPage,
    page,
  }) => {
    // Whitespace only: the browser lets it through, the service must refuse it.
    await page.getByLabel('Memory', { exact: true }).fill('   ');
    await page.getByLabel('Category', { exact: true }).fill('errands');
    await page.getByRole('button', { name: 'Add memory' }).click();

    await expect(page.getByRole('alert')).not.toBeEmpty();
    await expect(memoriesPage.items).toHaveCount(0);
  });
});
