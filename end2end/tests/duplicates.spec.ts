import { test, expect, Page } from "@playwright/test";
import { signedIn, hydrated, noSeriousViolations } from "./helpers";

async function add(page: Page, first: string, last: string, email: string) {
  await page.getByRole("button", { name: "+ Add customer" }).click();
  const dialog = page.getByRole("dialog", { name: "Add customer" });
  await dialog.getByRole("textbox", { name: "First name", exact: true }).fill(first);
  await dialog.getByRole("textbox", { name: "Last name", exact: true }).fill(last);
  await dialog.getByRole("textbox", { name: "Email", exact: true }).fill(email);
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog).toBeHidden();
}

test("two duplicates are merged field by field, and one Undo brings both back", async ({ page }) => {
  await signedIn(page);
  const stamp = `${Date.now()}`;
  // The same Gmail address, once with dots and a +tag.
  await add(page, "Dupe", `Older${stamp}`, `dupe.${stamp}@gmail.com`);
  await add(page, "Dupe", `Newer${stamp}`, `dupe${stamp}+shop@gmail.com`);

  await page.getByRole("link", { name: "Find duplicates" }).click();
  await expect(page).toHaveURL(/\/customers\/duplicates$/);
  await hydrated(page);
  const pair = page.getByTestId("duplicate-pair").filter({ hasText: `Older${stamp}` });
  await expect(pair).toContainText("Same e-mail");
  const links = pair.getByRole("link");
  const older = (await links.nth(0).innerText()).match(/#(\d+)/)![1];
  const newer = (await links.nth(1).innerText()).match(/#(\d+)/)![1];

  await pair.getByRole("button", { name: "Compare and merge" }).click();
  const dialog = page.getByRole("dialog", { name: "Merge duplicates" });
  await expect(dialog.getByRole("radio", { name: `Keep #${older} Dupe Older${stamp}` })).toBeChecked();
  await noSeriousViolations(page, "the merge dialog on the Duplicates page");
  // The older record stays, with the newer one's last name.
  await dialog.getByRole("radio", { name: `Last name from #${newer}` }).check();
  await dialog.getByRole("button", { name: "Merge", exact: true }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText(`Customer #${newer} merged into #${older}`)).toBeVisible();
  await expect(pair).toHaveCount(0);

  // Meanwhile, in another tab: the survivor carries the newer name; the other is gone.
  const tab = await page.context().newPage();
  await tab.goto(`/customers/${older}`);
  await expect(tab.getByTestId("profile-name")).toContainText(`Newer${stamp}`);
  await tab.goto(`/customers?q=Newer${stamp}`);
  // Only the survivor (now named Newer…) is found; the merged one is in the Trash.
  await expect(tab.locator('tbody td[data-col="id"]')).toHaveText([older]);

  // Undo, from the toast: both as they were, and the pair is suggested again.
  await page.getByRole("button", { name: "Undo" }).click();
  await expect(page.getByText("Merge undone: both customers are back")).toBeVisible();
  await expect(page.getByTestId("duplicate-pair").filter({ hasText: `Older${stamp}` })).toHaveCount(1);
  await tab.goto(`/customers/${older}`);
  await expect(tab.getByTestId("profile-name")).toContainText(`Older${stamp}`);
  await tab.goto(`/customers/${newer}`);
  await expect(tab.getByTestId("profile-name")).toContainText(`Newer${stamp}`);
});
