import { test, expect, Page } from "@playwright/test";
import { signedIn, SUPPORT_EMAIL, SUPPORT_PASSWORD } from "./helpers";

// The shell's sidebar links to the Admin pages, under "Administration", for whoever the
// permission table lets administer; the Customers page has no buttons of its own for them.
const sidebar = (page: Page) => page.locator("aside.sidebar");

const ADMIN_LINKS: [string, RegExp, string][] = [
  ["Staff", /\/staff$/, "Staff"],
  ["Audit log", /\/audit$/, "Audit log"],
  ["Mail", /\/mail$/, "Mail"],
  ["Trash", /\/customers\/trash$/, "Trash"],
];

test("an Admin sees the Admin pages in the sidebar and can follow each", async ({ page }) => {
  await signedIn(page);
  const nav = sidebar(page);
  await expect(nav.getByText("Administration", { exact: true })).toBeVisible();
  for (const [name, url, heading] of ADMIN_LINKS) {
    await nav.getByRole("link", { name, exact: true }).click();
    await expect(page).toHaveURL(url);
    await expect(page.getByRole("heading", { name: heading, level: 1, exact: true })).toBeVisible();
  }
  await nav.getByRole("link", { name: "Customers", exact: true }).click();
  await expect(page).toHaveURL(/\/customers$/);
  // Not as buttons on the Customers page.
  const content = page.locator("main.content");
  for (const name of ["Staff", "Audit log", "Mail", "Trash"]) {
    await expect(content.getByRole("link", { name, exact: true })).toHaveCount(0);
  }
});

test("a Support user does not see the Admin pages in the sidebar", async ({ page }) => {
  await signedIn(page, "/customers", SUPPORT_EMAIL, SUPPORT_PASSWORD);
  await expect(page.getByTestId("current-user")).toContainText("Support");
  const nav = sidebar(page);
  await expect(nav.getByRole("link", { name: "Customers", exact: true })).toBeVisible();
  await expect(nav.getByText("Administration", { exact: true })).toHaveCount(0);
  for (const [name] of ADMIN_LINKS) {
    await expect(nav.getByRole("link", { name, exact: true })).toHaveCount(0);
  }
});
