import { test, expect, Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import { signedIn, hydrated } from "./helpers";

// axe-core over the main pages and dialogs: no serious or critical WCAG 2.1 A/AA violation
// (colour contrast of the status chips and labels included).

async function noSeriousViolations(page: Page, what: string) {
  const results = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"])
    .analyze();
  const bad = results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 5).map((n) => n.target.join(" ")).join(" | ")}`);
  expect(bad, `${what}:\n${bad.join("\n")}`).toEqual([]);
}

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
