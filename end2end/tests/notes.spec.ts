import { test, expect } from "@playwright/test";
import { signedIn, hydrated, SUPPORT_EMAIL, SUPPORT_PASSWORD } from "./helpers";

test("Support adds a note with a link, pins it, and it stays text; the author edits and deletes it", async ({ page }) => {
  await signedIn(page, "/customers", SUPPORT_EMAIL, SUPPORT_PASSWORD);
  const id = (await page.locator('tbody td[data-col="id"]').first().innerText()).trim();
  await page.goto(`/customers/${id}`);
  await hydrated(page);
  // View-only for the record, but notes are theirs to write.
  await expect(page.getByRole("button", { name: "Edit customer" })).toHaveCount(0);
  const notes = page.getByRole("region", { name: "Notes" });
  await notes.getByRole("button", { name: "Add note" }).click();
  await expect(notes.getByRole("alert").first()).toHaveText("Write something first.");

  await notes.getByLabel("New note").fill("Asked about <img src=x onerror=alert(1)> pricing, see https://example.com/offer.");
  await notes.getByRole("button", { name: "Add note" }).click();
  const first = notes.getByTestId("note").first();
  await expect(first).toContainText("Asked about <img src=x onerror=alert(1)> pricing");
  await expect(first.locator("img")).toHaveCount(0);
  const link = first.getByRole("link", { name: "https://example.com/offer" });
  await expect(link).toHaveAttribute("href", "https://example.com/offer");
  await expect(link).toHaveAttribute("rel", /noopener/);
  await expect(first).toContainText(/just now|minute/);

  // A second note is newest; pinning the first brings it back on top.
  await notes.getByLabel("New note").fill("Second thought");
  await notes.getByRole("button", { name: "Add note" }).click();
  await expect(notes.getByTestId("note").first()).toContainText("Second thought");
  await notes.getByTestId("note").filter({ hasText: "pricing" }).getByRole("button", { name: "Pin" }).click();
  await expect(notes.getByTestId("note").first()).toContainText("Pinned");
  await expect(notes.getByTestId("note").first()).toContainText("pricing");

  // Pinned after a reload too; edit, then delete (asked first).
  await page.reload();
  await hydrated(page);
  const pinned = notes.getByTestId("note").first();
  await expect(pinned).toContainText("Pinned");
  await notes.getByTestId("note").filter({ hasText: "Second thought" }).getByRole("button", { name: "Edit" }).click();
  await notes.getByLabel("Edit note").fill("Second thought, revised");
  await notes.getByRole("button", { name: "Save note" }).click();
  await expect(notes.getByTestId("note").filter({ hasText: "Second thought, revised" })).toContainText("edited");
  const revised = notes.getByTestId("note").filter({ hasText: "Second thought, revised" });
  await revised.getByRole("button", { name: "Delete", exact: true }).click();
  await revised.getByRole("button", { name: "Delete note" }).click();
  await expect(notes.getByTestId("note").filter({ hasText: "Second thought" })).toHaveCount(0);
});
