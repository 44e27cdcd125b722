import { test, expect } from "@playwright/test";
import { signedIn, SUPPORT_EMAIL, SUPPORT_PASSWORD } from "./helpers";

test("the Mail page is for Admins", async ({ page }) => {
  await signedIn(page, "/customers");
  await page.locator("aside.sidebar").getByRole("link", { name: "Mail", exact: true }).click();
  await expect(page).toHaveURL(/\/mail$/);
  await expect(page.getByRole("heading", { name: "Mail", level: 1 })).toBeVisible();
  await expect(page.getByText("No mail yet.").or(page.getByTestId("mail-table"))).toBeVisible();
});

test("Support staff are refused the Mail page", async ({ page }) => {
  await signedIn(page, "/mail", SUPPORT_EMAIL, SUPPORT_PASSWORD);
  await expect(page.getByRole("alert")).toContainText("You do not have permission");
  await expect(page.locator("aside.sidebar").getByRole("link", { name: "Mail", exact: true })).toHaveCount(0);
});
