import { test, expect } from "@playwright/test";
import {
  signedIn,
  hydrated,
  addCustomer,
  SUPPORT_EMAIL,
  SUPPORT_PASSWORD,
  ACCOUNTING_EMAIL,
  ACCOUNTING_PASSWORD,
} from "./helpers";

test("Accounting views and exports, but changes nothing", async ({ page }) => {
  await signedIn(page, "/customers", ACCOUNTING_EMAIL, ACCOUNTING_PASSWORD);
  await expect(page.getByRole("button", { name: /Export \(Excel\)/ })).toBeVisible();
  await expect(page.getByRole("button", { name: "+ Add customer" })).toHaveCount(0);
  await expect(page.locator("aside.sidebar").getByRole("link", { name: "Audit log" })).toHaveCount(0);
  const row = page.locator("tbody tr[data-customer-id]").first();
  await row.getByRole("button", { name: /Actions for/ }).click();
  await expect(row.getByRole("menuitem", { name: "View" })).toBeVisible();
  await expect(row.getByRole("menuitem", { name: "Edit" })).toHaveCount(0);
  await expect(row.getByRole("menuitem", { name: "Reset password" })).toHaveCount(0);
  await expect(row.getByRole("menuitem", { name: "Delete" })).toHaveCount(0);
  // The Audit log refuses them even by URL.
  await page.goto("/audit");
  await hydrated(page);
  await expect(page.getByRole("alert")).toContainText("You do not have permission");
});

test("Support views customers and their portal tab, but cannot export or change anything", async ({ page }) => {
  await signedIn(page, "/customers", SUPPORT_EMAIL, SUPPORT_PASSWORD);
  await expect(page.getByRole("button", { name: /Export \(Excel\)/ })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "+ Add customer" })).toHaveCount(0);
  const row = page.locator("tbody tr[data-customer-id]").first();
  const id = await row.getAttribute("data-customer-id");
  await page.goto(`/customers/${id}?tab=portal`);
  await hydrated(page);
  await expect(page.getByTestId("portal-tab")).toBeVisible();
  await expect(page.getByRole("button", { name: "Reset password" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Disable portal access" })).toHaveCount(0);
  await expect(page.getByRole("checkbox", { name: "Edit own contact details" })).toBeDisabled();
});

test("the Audit log lists changes newest first and filters by action and customer", async ({ page }) => {
  await signedIn(page);
  const email = await addCustomer(page, "Audrey", "Audit");
  const row = page.getByRole("row").filter({ hasText: email });
  const id = await row.getAttribute("data-customer-id");
  await row.getByRole("button", { name: /Actions for/ }).click();
  await row.getByRole("menuitem", { name: "Delete" }).click();

  await page.locator("aside.sidebar").getByRole("link", { name: "Audit log" }).click();
  await expect(page).toHaveURL(/\/audit$/);
  await hydrated(page);
  const table = page.getByTestId("audit-table");
  await expect(table.locator("tbody tr").first()).toContainText("delete");

  await page.getByLabel("Action").selectOption("create");
  await expect(page).toHaveURL(/action=create/);
  await expect(table.locator("tbody tr").first()).toContainText(`Customer #${id}`);
  await expect(table.locator("tbody tr", { hasText: "delete" })).toHaveCount(0);

  await page.getByLabel("Action").selectOption("");
  await page.getByLabel("Customer ID").fill(id!);
  await page.getByLabel("Customer ID").press("Enter");
  await page.getByLabel("Customer ID").blur();
  await expect(page).toHaveURL(new RegExp(`customer=${id}`));
  const actions = table.locator("tbody tr td:nth-child(4)");
  await expect(actions).toHaveText(["delete", "portal_invite", "create"]);
  await expect(table.locator("tbody tr").first()).toContainText("127.0.0.1");
});
