import { test, expect } from "@playwright/test";
import { readFileSync } from "node:fs";
import { signedIn, addCustomer, uniqueEmail } from "./helpers";

test("import a CSV: map a column by hand, check, import, see the rows, download the rejected ones, Undo", async ({ page }) => {
  await signedIn(page);
  // A customer the file will match by e-mail.
  const existing = await addCustomer(page, "Existing", "Person");
  const a = uniqueEmail("imported.a");
  const b = uniqueEmail("imported.b");
  const csv = [
    "Email,Given,Surname,City,Phone",
    `${a},Alma,Importa,Cebu,+63 917 123 4567`,
    `${b},Bruno,Importb,Davao,`,
    `not-an-email,Bad,Row,,`,
    `${existing.toUpperCase()},Existing,Person,Iloilo,`,
  ].join("\n");

  await page.getByRole("button", { name: "Import", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: "Import customers" });
  await dialog.getByLabel("File (.csv or .xlsx)").setInputFiles({
    name: "clients.csv",
    mimeType: "text/csv",
    buffer: Buffer.from(csv),
  });
  // "Given" is not a header the import knows: map it by hand.
  const given = dialog.getByLabel("Given", { exact: true });
  await expect(given).toHaveValue("");
  await dialog.getByRole("button", { name: "Next: check" }).click();
  await expect(dialog.getByTestId("mapping-error")).toContainText("First name");
  await given.selectOption("first_name");
  await dialog.getByRole("button", { name: "Next: check" }).click();

  const summary = dialog.getByTestId("import-summary");
  await expect(summary).toContainText("4 rows");
  await expect(summary).toContainText("2 new, 1 matching existing customers (same e-mail), 1 that cannot be imported");
  await expect(dialog.getByText(/Row 4: Enter a valid email address/)).toBeVisible();
  await dialog.getByLabel("Update the empty fields only").check();
  await dialog.getByLabel("Send the 2 new customers the portal invitation e-mail").check();
  await dialog.getByRole("button", { name: "Import 3 rows" }).click();
  await expect(dialog.getByTestId("import-result")).toHaveText("2 imported, 1 updated, 0 skipped, 1 invalid");
  // Invitations follow at the server's gentle rate (a round every 10 s).
  await expect(dialog.getByTestId("import-invitations")).toContainText("Portal invitations:");

  let downloading = page.waitForEvent("download");
  await dialog.getByRole("link", { name: "Download rejected rows (CSV)" }).click();
  let download = await downloading;
  expect(download.suggestedFilename()).toBe("clients - rejected rows.csv");
  const rejected = readFileSync(await download.path()).toString();
  expect(rejected.split("\n")[0]).toBe("Email,Given,Surname,City,Phone,Row,Reason");
  expect(rejected).toContain("not-an-email");
  downloading = page.waitForEvent("download");
  await dialog.getByRole("link", { name: "Download rejected rows (Excel)" }).click();
  download = await downloading;
  expect(download.suggestedFilename()).toBe("clients - rejected rows.xlsx");
  // A workbook is a zip: it starts with "PK".
  expect(readFileSync(await download.path()).subarray(0, 2).toString()).toBe("PK");

  await dialog.locator(".modal-actions").getByRole("button", { name: "Close" }).click();
  await expect(dialog).toBeHidden();
  await page.getByRole("searchbox", { name: "Search customers" }).fill("Importa");
  await expect(page.getByRole("cell", { name: a })).toBeVisible();

  // Undo from the Imports page: the imported rows are gone.
  await page.getByRole("link", { name: "Imports" }).click();
  await expect(page).toHaveURL(/\/customers\/imports$/);
  const row = page.locator("tr", { hasText: "clients.csv" }).first();
  await expect(row).toContainText("2 imported, 1 updated, 0 skipped, 1 invalid");
  await row.getByRole("button", { name: "Undo import" }).click();
  await expect(page.locator(".toast", { hasText: "Import undone: 2 removed, 1 restored" })).toBeVisible();
  await expect(row).toContainText("Undone");
  await page.goto("/customers?q=Importa");
  await expect(page.getByText("No customers match")).toBeVisible();
});

test("Support staff see no Import button and are refused the Imports page's data", async ({ page }) => {
  const { SUPPORT_EMAIL, SUPPORT_PASSWORD } = await import("./helpers");
  await signedIn(page, "/customers", SUPPORT_EMAIL, SUPPORT_PASSWORD);
  await expect(page.getByRole("button", { name: "Import", exact: true })).toHaveCount(0);
  await page.goto("/customers/imports");
  await expect(page.getByRole("alert")).toContainText("You do not have permission");
});

test("a mapping saved once is used again for a file with the same columns", async ({ page }) => {
  await signedIn(page);
  const name = `Partner list ${Date.now()}`;
  const file = (rows: string[]) => ({
    name: "partner.csv",
    mimeType: "text/csv",
    buffer: Buffer.from(["Nick,Family,Mailbox", ...rows].join("\n")),
  });
  await page.getByRole("button", { name: "Import", exact: true }).click();
  let dialog = page.getByRole("dialog", { name: "Import customers" });
  await dialog.getByLabel("File (.csv or .xlsx)").setInputFiles(file([`Pia,One,${uniqueEmail("p1")}`]));
  await dialog.getByLabel("Nick", { exact: true }).selectOption("first_name");
  await dialog.getByLabel("Family", { exact: true }).selectOption("last_name");
  await dialog.getByLabel("Mailbox", { exact: true }).selectOption("email");
  await dialog.getByLabel("Save this mapping as").fill(name);
  await dialog.getByRole("button", { name: "Save mapping" }).click();
  await expect(dialog.getByText(`Saved as “${name}”`)).toBeVisible();
  await dialog.locator(".modal-actions").getByRole("button", { name: "Cancel", exact: true }).click();
  await expect(dialog).toBeHidden();

  // The next file with these headers arrives mapped.
  await page.getByRole("button", { name: "Import", exact: true }).click();
  dialog = page.getByRole("dialog", { name: "Import customers" });
  await dialog.getByLabel("File (.csv or .xlsx)").setInputFiles(file([`Pol,Two,${uniqueEmail("p2")}`]));
  await expect(dialog.getByTestId("saved-mapping-note")).toContainText(`Using the saved mapping “${name}”`);
  await expect(dialog.getByLabel("Nick", { exact: true })).toHaveValue("first_name");
  await expect(dialog.getByLabel("Mailbox", { exact: true })).toHaveValue("email");
  await dialog.getByRole("button", { name: "Next: check" }).click();
  await expect(dialog.getByTestId("import-summary")).toContainText("1 new");
  // Deleted, it is offered no more.
  await dialog.getByRole("button", { name: "Back" }).click();
  await dialog.getByRole("button", { name: "Delete it" }).click();
  await expect(dialog.getByText("Saved mapping deleted.")).toBeVisible();
  await expect(dialog.getByTestId("saved-mapping-note")).toHaveCount(0);
});
