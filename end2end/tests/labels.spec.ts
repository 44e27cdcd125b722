import { test, expect, Page } from "@playwright/test";
import { addCustomer, signedIn } from "./helpers";

const rows = (page: Page) => page.locator("table.data-table tbody tr");


async function createLabel(page: Page, name: string) {
  await page.getByRole("button", { name: "Manage labels" }).click();
  const dialog = page.getByRole("dialog", { name: "Manage labels" });
  await dialog.getByLabel("New label").fill(name);
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog.locator(`li[data-label="${name}"]`)).toBeVisible();
  await expect(dialog.locator(`li[data-label="${name}"]`)).toContainText("0 customers");
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(dialog).toBeHidden();
}

const suffix = () => `${Date.now() % 1e7}`;

test("create a label, assign it in the edit modal, see the chip and filter by it", async ({ page }) => {
  await signedIn(page);
  const label = `Gold ${suffix()}`;
  await createLabel(page, label);
  const email = await addCustomer(page, "Labella", "Chipman");
  const row = rows(page).filter({ hasText: email });
  await row.getByRole("button", { name: /Actions for/ }).click();
  await row.getByRole("menuitem", { name: "Edit" }).click();
  const dialog = page.getByRole("dialog", { name: "Edit customer" });
  await dialog.getByRole("searchbox", { name: "Filter labels" }).fill(label.slice(0, 8));
  await dialog.getByRole("checkbox", { name: label }).check();
  await expect(dialog.getByRole("button", { name: `Remove label ${label}` })).toBeVisible();
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog).toBeHidden();
  await expect(row.locator(".label-chip", { hasText: label })).toBeVisible();

  // The Labels filter narrows the list to that customer.
  await page.getByRole("button", { name: /Labels filter/ }).click();
  await page.getByRole("group", { name: "Labels filter" }).getByRole("checkbox", { name: label }).check();
  await expect(page).toHaveURL(/labels=\d+/);
  await expect(rows(page)).toHaveCount(1);
  await expect(rows(page).first()).toContainText(email);
  await expect(page.getByTestId("page-range")).toHaveText("1–1 of 1");

  // Its profile shows the chip too.
  await page.goto(`/customers/${await rows(page).first().getAttribute("data-customer-id")}`);
  await expect(page.locator(".overview .label-chip", { hasText: label })).toBeVisible();
});

test("bulk-label three rows, then bulk delete them and Undo brings all back", async ({ page }) => {
  await signedIn(page);
  const family = `Bulkington${suffix()}`;
  for (const first of ["Ada", "Bea", "Cy"]) {
    await addCustomer(page, first, family);
  }
  const label = `Batch ${suffix()}`;
  await createLabel(page, label);
  await page.getByRole("searchbox", { name: "Search customers" }).fill(family);
  await expect(rows(page)).toHaveCount(3);

  await page.getByRole("checkbox", { name: "Select all on this page" }).check();
  await expect(page.getByTestId("bulk-count")).toHaveText("3 selected");
  await page.getByRole("combobox", { name: "Add label to selected" }).selectOption({ label });
  await expect(page.getByTestId("bulk-question")).toHaveText(`Add label “${label}” to 3 customers?`);
  await page.getByRole("button", { name: "Confirm" }).click();
  await expect(page.locator(".toast", { hasText: `Label “${label}” added to 3 customers` })).toBeVisible();
  for (let i = 0; i < 3; i++) {
    await expect(rows(page).nth(i).locator(".label-chip", { hasText: label })).toBeVisible();
  }

  await page.getByRole("checkbox", { name: "Select all on this page" }).check();
  await page.getByRole("button", { name: "Delete selected" }).click();
  await expect(page.getByTestId("bulk-question")).toHaveText("Delete 3 customers? You can undo this right after.");
  await page.getByRole("button", { name: "Confirm" }).click();
  await expect(page.getByTestId("page-range")).toHaveText("0 of 0");
  const toast = page.locator(".toast", { hasText: "3 customers deleted" });
  await expect(toast).toBeVisible();
  await toast.getByRole("button", { name: "Undo" }).click();
  await expect(page.locator(".toast", { hasText: "3 customers restored" })).toBeVisible();
  await expect(rows(page)).toHaveCount(3);
  await expect(page.getByTestId("page-range")).toHaveText("1–3 of 3");
});

test("view-only staff see labels but cannot manage them or tick rows", async ({ page }) => {
  const { SUPPORT_EMAIL, SUPPORT_PASSWORD } = await import("./helpers");
  await signedIn(page, "/customers", SUPPORT_EMAIL, SUPPORT_PASSWORD);
  await expect(page.locator(".label-chip").first()).toBeVisible(); // seeded demo labels
  await expect(page.getByRole("checkbox", { name: "Select all on this page" })).toHaveCount(0);
  await page.getByRole("button", { name: "Manage labels" }).click();
  const dialog = page.getByRole("dialog", { name: "Manage labels" });
  await expect(dialog.locator("li.label-row").first()).toBeVisible();
  await expect(dialog.getByLabel("New label")).toHaveCount(0);
  await expect(dialog.getByRole("button", { name: /^Delete label/ })).toHaveCount(0);
});
