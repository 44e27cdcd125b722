import { test, expect } from "@playwright/test";
import { signedIn, signIn, hydrated, uniqueEmail } from "./helpers";

test("an Admin adds staff with a generated password, changes their role, deactivates them", async ({
  page,
  browser,
}) => {
  await signedIn(page);
  await page.locator("aside.sidebar").getByRole("link", { name: "Staff", exact: true }).click();
  await expect(page).toHaveURL(/\/staff$/);
  await hydrated(page);
  const email = uniqueEmail("staffer");
  await page.getByRole("button", { name: "+ Add staff" }).click();
  const dialog = page.getByRole("dialog", { name: "Add staff" });
  await dialog.getByLabel("Name", { exact: true }).fill("Stella Staffer");
  await dialog.getByLabel("E-mail", { exact: true }).fill(email);
  await dialog.getByLabel("Role").selectOption("accounting");
  await dialog.getByRole("checkbox", { name: /Send invitation e-mail/ }).uncheck();
  await dialog.getByRole("button", { name: "Generate" }).click();
  const password = await dialog.getByLabel("Password", { exact: true }).inputValue();
  expect(password.length).toBeGreaterThanOrEqual(16);
  await dialog.getByRole("button", { name: "Add staff" }).click();
  await expect(dialog).toBeHidden();
  const row = page.getByRole("row").filter({ hasText: email });
  await expect(row).toContainText("Stella Staffer");

  // They sign in with it and are Accounting.
  const other = await (await browser.newContext()).newPage();
  const base = new URL(page.url()).origin;
  await other.goto(`${base}/login`);
  await hydrated(other);
  await signIn(other, email, password);
  await expect(other).toHaveURL(/\/customers$/);
  await expect(other.getByTestId("current-user")).toContainText("Accounting");

  // A role change applies on their next request.
  await row.getByRole("combobox", { name: /Role of/ }).selectOption("support");
  await expect(page.getByText("Role changed to Support")).toBeVisible();
  await other.reload();
  await expect(other.getByTestId("current-user")).toContainText("Support");

  // Deactivation ends their session at once.
  await row.getByRole("button", { name: "Deactivate" }).click();
  await expect(page.getByText("Deactivated; their sessions have ended")).toBeVisible();
  await other.reload();
  await expect(other).toHaveURL(/\/login/);
});

test("staff change their own password from the top bar", async ({ page, browser }) => {
  await signedIn(page);
  await page.goto("/staff");
  await hydrated(page);
  const email = uniqueEmail("selfchange");
  await page.getByRole("button", { name: "+ Add staff" }).click();
  const dialog = page.getByRole("dialog", { name: "Add staff" });
  await dialog.getByLabel("Name", { exact: true }).fill("Sam Self");
  await dialog.getByLabel("E-mail", { exact: true }).fill(email);
  await dialog.getByRole("checkbox", { name: /Send invitation e-mail/ }).uncheck();
  await dialog.getByLabel("Password", { exact: true }).fill("Tall-Window-Quiet-42");
  await dialog.getByRole("button", { name: "Add staff" }).click();
  await expect(dialog).toBeHidden();

  const me = await (await browser.newContext()).newPage();
  await me.goto(`${new URL(page.url()).origin}/login`);
  await hydrated(me);
  await signIn(me, email, "Tall-Window-Quiet-42");
  await expect(me).toHaveURL(/\/customers$/);
  await hydrated(me);
  await me.getByRole("button", { name: "Change password" }).click();
  const change = me.getByRole("dialog", { name: "Change password" });
  await change.getByLabel("Current password").fill("wrong-password");
  await change.getByLabel("New password", { exact: true }).fill("Silver-Kite-Harbor-14");
  await change.getByRole("button", { name: "Change password" }).click();
  await expect(change.getByText("This is not your current password.")).toBeVisible();
  await change.getByLabel("Current password").fill("Tall-Window-Quiet-42");
  await change.getByRole("button", { name: "Change password" }).click();
  await expect(change).toBeHidden();
  await expect(me.getByText(/Your password was changed/)).toBeVisible();
});
