import { test, expect } from "@playwright/test";
import { signedIn, hydrated, noSeriousViolations } from "./helpers";

// axe-core over the main pages and dialogs: no serious or critical WCAG 2.1 A/AA violation
// (colour contrast of the status chips and labels included).

test("the sign-in page and the portal's sign-in page", async ({ page }) => {
  await page.goto("/login");
  await noSeriousViolations(page, "staff sign-in");
  await page.goto("/portal/login");
  await noSeriousViolations(page, "portal sign-in");
});

test("the Customers list, its menus, the Add modal and Manage labels", async ({ page }) => {
  await signedIn(page);
  await expect(page.locator("tbody tr").first()).toBeVisible();
  await noSeriousViolations(page, "list");
  await page.getByRole("button", { name: /^More filters/ }).click();
  await noSeriousViolations(page, "More filters open");
  await page.keyboard.press("Escape");
  await page.getByRole("button", { name: "+ Add customer" }).click();
  await expect(page.getByRole("dialog", { name: "Add customer" })).toBeVisible();
  await noSeriousViolations(page, "Add customer modal");
  await page.keyboard.press("Escape");
  await page.getByRole("button", { name: "Manage labels" }).click();
  await expect(page.getByRole("dialog", { name: "Manage labels" })).toBeVisible();
  await noSeriousViolations(page, "Manage labels");
  await page.keyboard.press("Escape");
  await page.goto("/customers?view=cards");
  await hydrated(page);
  await noSeriousViolations(page, "cards");
});

test("a customer's profile and the admin pages", async ({ page }) => {
  await signedIn(page);
  const id = (await page.locator('tbody td[data-col="id"]').first().innerText()).trim();
  await page.goto(`/customers/${id}`);
  await hydrated(page);
  await expect(page.getByText("⬅ Back to Customers List")).toBeVisible();
  await noSeriousViolations(page, "profile");
  for (const path of ["/staff", "/audit", "/mail", "/customers/trash", "/customers/imports"]) {
    await page.goto(path);
    await hydrated(page);
    await noSeriousViolations(page, path);
  }
});
