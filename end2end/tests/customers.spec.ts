import { test, expect, Page } from "@playwright/test";
import { signedIn, uniqueEmail, hydrated, SUPPORT_EMAIL, SUPPORT_PASSWORD } from "./helpers";

async function openAddModal(page: Page) {
  await page.getByRole("button", { name: "+ Add customer" }).click();
  const dialog = page.getByRole("dialog", { name: "Add customer" });
  await expect(dialog).toBeVisible();
  return dialog;
}

async function addCustomer(page: Page, first: string, last: string, email: string) {
  const dialog = await openAddModal(page);
  await dialog.getByRole("textbox", { name: "First name", exact: true }).fill(first);
  await dialog.getByRole("textbox", { name: "Last name", exact: true }).fill(last);
  await dialog.getByRole("textbox", { name: "Email", exact: true }).fill(email);
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog).toBeHidden();
  const row = page.getByRole("row").filter({ hasText: email });
  await expect(row).toBeVisible();
  return row;
}

test("add a customer through the modal and see it listed at once", async ({ page }) => {
  await signedIn(page);
  const email = uniqueEmail("maria");
  const dialog = await openAddModal(page);
  await dialog.getByRole("textbox", { name: "First name", exact: true }).fill("Maria");
  await dialog.getByRole("textbox", { name: "Middle name", exact: true }).fill("Clara");
  await dialog.getByRole("textbox", { name: "Last name", exact: true }).fill("Santos");
  await dialog.getByRole("textbox", { name: "Email", exact: true }).fill(email);
  await dialog.getByLabel("Gender").selectOption("female");
  await dialog.getByLabel("Birthday").fill("1990-05-17");
  await dialog.getByRole("textbox", { name: "Contact", exact: true }).fill("0917 123 4567");
  await dialog.getByRole("textbox", { name: "City", exact: true }).fill("Manila");
  await dialog.getByLabel("Country").fill("Philippines");
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog).toBeHidden();

  const row = page.getByRole("row").filter({ hasText: email });
  await expect(row).toContainText("Maria");
  await expect(row).toContainText("Santos");
  await expect(row).toContainText("0917 123 4567");
  await expect(row).toContainText("1990-05-17");
  await expect(row).toContainText("Philippines");
  await expect(row).toContainText("Active");
});

test("a bad email and a bad phone show messages next to the fields; nothing is created", async ({ page }) => {
  await signedIn(page);
  const dialog = await openAddModal(page);
  await dialog.getByRole("textbox", { name: "First name", exact: true }).fill("Bad");
  await dialog.getByRole("textbox", { name: "Last name", exact: true }).fill("Email");
  await dialog.getByRole("textbox", { name: "Email", exact: true }).fill("not-an-email");
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog.locator('[data-field="email"] .field-error')).toHaveText(
    "Enter a valid email address, like name@example.com.",
  );
  await expect(dialog.getByRole("textbox", { name: "Email", exact: true })).toHaveAttribute("aria-invalid", "true");

  // The phone is checked by the server; its message lands next to the field the same way.
  const email = uniqueEmail("badphone");
  await dialog.getByRole("textbox", { name: "Email", exact: true }).fill(email);
  await dialog.getByLabel("Country").fill("Philippines");
  await dialog.getByRole("textbox", { name: "Contact", exact: true }).fill("12345");
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog.locator('[data-field="phone"] .field-error')).toContainText("not a valid phone number");
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("row").filter({ hasText: email })).toHaveCount(0);
  await page.reload();
  await hydrated(page);
  await expect(page.getByRole("row").filter({ hasText: email })).toHaveCount(0);
});

test("a duplicate email is flagged while typing", async ({ page }) => {
  await signedIn(page);
  const email = uniqueEmail("dup");
  await addCustomer(page, "First", "Owner", email);
  const id = await page.getByRole("row").filter({ hasText: email }).getAttribute("data-customer-id");
  const dialog = await openAddModal(page);
  await dialog.getByRole("textbox", { name: "Email", exact: true }).fill(email.toUpperCase());
  await expect(dialog.locator(".field-hint")).toHaveText(`Already used by customer #${id}.`);
});

test("edit, then see the change on the profile and in History", async ({ page }) => {
  await signedIn(page);
  const email = uniqueEmail("edit");
  const row = await addCustomer(page, "Juan", "Cruz", email);
  await row.getByRole("button", { name: /Actions for/ }).click();
  await row.getByRole("menuitem", { name: "Edit" }).click();
  const dialog = page.getByRole("dialog", { name: "Edit customer" });
  await expect(dialog.getByRole("textbox", { name: "First name", exact: true })).toHaveValue("Juan");
  await dialog.getByRole("textbox", { name: "City", exact: true }).fill("Cebu");
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog).toBeHidden();

  await row.getByRole("button", { name: /Actions for/ }).click();
  await row.getByRole("menuitem", { name: "View" }).click();
  await expect(page.getByTestId("profile-name")).toHaveText("Juan Cruz");
  await hydrated(page);
  await expect(page.locator(".overview")).toContainText("Cebu");
  await expect(page.getByRole("link", { name: "⬅ Back to Customers List" })).toBeVisible();
  await page.getByRole("link", { name: "Activity" }).click();
  const history = page.getByTestId("history");
  await expect(history).toContainText("Updated by Administrator");
  await expect(history).toContainText("City: (empty) → Cebu");
  await expect(history).toContainText("Created by Administrator");
  // The invitation e-mail is part of the timeline; the kinds filter it.
  await expect(history).toContainText("E-mail:");
  await page.getByRole("radio", { name: "E-mails" }).check();
  await expect(history).toContainText("E-mail:");
  await expect(history).not.toContainText("Cebu");
  await page.getByRole("radio", { name: "Changes" }).check();
  await expect(history).toContainText("City: (empty) → Cebu");
  await expect(history).not.toContainText("E-mail:");
  await page.getByRole("radio", { name: "All" }).check();
  await expect(history).toContainText("E-mail:");
});

test("clicking a customer's name opens Edit; Update saves; view-only staff get the profile", async ({ page, browser }) => {
  await signedIn(page);
  const email = uniqueEmail("nameclick");
  const row = await addCustomer(page, "Nomen", "Clickable", email);
  await row.getByRole("link", { name: "Clickable" }).click();
  const dialog = page.getByRole("dialog", { name: "Edit customer" });
  await expect(dialog.getByRole("textbox", { name: "Last name", exact: true })).toHaveValue("Clickable");
  await expect(page).toHaveURL(/\/customers(\?|$)/);
  await dialog.getByRole("textbox", { name: "City", exact: true }).fill("Iloilo");
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog).toBeHidden();

  const support = await (await browser.newContext()).newPage();
  await signedIn(support, "/customers", SUPPORT_EMAIL, SUPPORT_PASSWORD);
  await support.getByRole("searchbox", { name: "Search customers" }).fill(email);
  await support.getByRole("row").filter({ hasText: email }).getByRole("link", { name: "Nomen" }).click();
  await expect(support.getByTestId("profile-name")).toHaveText("Nomen Clickable");
  await expect(support.locator(".overview")).toContainText("Iloilo");
  await support.context().close();
});

test("delete removes the row at once and Undo brings it back", async ({ page }) => {
  await signedIn(page);
  const email = uniqueEmail("undo");
  const row = await addCustomer(page, "Undo", "Me", email);
  await row.getByRole("button", { name: /Actions for/ }).click();
  await row.getByRole("menuitem", { name: "Delete" }).click();
  await expect(page.getByRole("row").filter({ hasText: email })).toHaveCount(0);
  const toast = page.locator(".toast").filter({ hasText: "Customer deleted" });
  await expect(toast).toBeVisible();
  // The Undo button has keyboard focus: Enter restores.
  await expect(toast.getByRole("button", { name: "Undo" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("row").filter({ hasText: email })).toBeVisible();
  await expect(page.locator(".toast").filter({ hasText: "Customer restored" })).toBeVisible();
});

test("two people edit the same customer: the second save gets the conflict", async ({ browser, page }) => {
  await signedIn(page);
  const email = uniqueEmail("conflict");
  await addCustomer(page, "Ana", "Reyes", email);
  const id = await page.getByRole("row").filter({ hasText: email }).getAttribute("data-customer-id");

  const other = await browser.newContext();
  const page2 = await other.newPage();
  await signedIn(page2, `/customers/${id}`);
  await page.goto(`/customers/${id}`);
  await hydrated(page);

  await page.getByRole("button", { name: "Edit customer" }).click();
  await page2.getByRole("button", { name: "Edit customer" }).click();
  const mine = page.getByRole("dialog", { name: "Edit customer" });
  const theirs = page2.getByRole("dialog", { name: "Edit customer" });
  await theirs.getByRole("textbox", { name: "City", exact: true }).fill("Davao");
  await theirs.getByRole("button", { name: "Save" }).click();
  await expect(theirs).toBeHidden();

  await mine.getByRole("textbox", { name: "City", exact: true }).fill("Iloilo");
  await mine.getByRole("button", { name: "Save" }).click();
  await expect(mine.getByTestId("form-banner")).toContainText("Administrator changed this customer at");
  await expect(mine.getByTestId("form-banner")).toContainText("not saved");
  await mine.getByRole("button", { name: "Cancel" }).click();
  await page.reload();
  await expect(page.locator(".overview")).toContainText("Davao");
  await other.close();
});

test("markup typed into a name is shown as text", async ({ page }) => {
  let dialogs = 0;
  page.on("dialog", async (d) => {
    dialogs++;
    await d.dismiss();
  });
  await signedIn(page);
  const email = uniqueEmail("xss");
  const payload = "<img src=x onerror=alert(1)>";
  const row = await addCustomer(page, payload, "Payload", email);
  await expect(row).toContainText(payload);
  await expect(row.locator("img")).toHaveCount(0);
  // Server-rendered too: reload and view the profile before and after hydration.
  const id = await row.getAttribute("data-customer-id");
  await page.goto(`/customers/${id}`);
  await expect(page.getByTestId("profile-name")).toHaveText(`${payload} Payload`);
  await hydrated(page);
  await expect(page.locator(".profile-head img")).toHaveCount(0);
  expect(dialogs).toBe(0);
});

test("a Support user sees customers but no write controls", async ({ page, browser }) => {
  // Make sure there is at least one customer to look at.
  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  await signedIn(admin);
  const email = uniqueEmail("support-view");
  await addCustomer(admin, "Viewed", "ByHelpdesk", email);
  await adminContext.close();

  await signedIn(page, "/customers", SUPPORT_EMAIL, SUPPORT_PASSWORD);
  await expect(page.getByTestId("current-user")).toContainText("Support");
  await expect(page.getByRole("button", { name: "+ Add customer" })).toHaveCount(0);
  const row = page.getByRole("row").filter({ hasText: email });
  await row.getByRole("button", { name: /Actions for/ }).click();
  await expect(row.getByRole("menuitem", { name: "View" })).toBeVisible();
  await expect(row.getByRole("menuitem", { name: "Edit" })).toHaveCount(0);
  await expect(row.getByRole("menuitem", { name: "Delete" })).toHaveCount(0);
  await row.getByRole("menuitem", { name: "View" }).click();
  await expect(page.getByTestId("profile-name")).toHaveText("Viewed ByHelpdesk");
  await expect(page.getByRole("button", { name: "Edit customer" })).toHaveCount(0);
  await page.getByRole("link", { name: "Activity" }).click();
  await expect(page.getByTestId("history")).toContainText("Created by Administrator");
});

test("a dialog takes focus, keeps Tab inside, and gives focus back to its opener", async ({ page }) => {
  await signedIn(page);
  await hydrated(page);
  const opener = page.getByRole("button", { name: "+ Add customer" });
  await opener.click();
  const dialog = page.getByRole("dialog", { name: "Add customer" });
  await expect(dialog.getByRole("textbox", { name: "First name", exact: true })).toBeFocused();
  // Tab and Shift+Tab never leave the dialog.
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press("Tab");
    expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
  }
  await dialog.getByRole("button", { name: "Close" }).focus();
  await page.keyboard.press("Shift+Tab");
  expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await expect(opener).toBeFocused();
});
