import { expect, test, Request } from "@playwright/test";
import { hydrated, signedIn } from "./helpers";

// The wasm is split (cargo leptos build --split): the Customers list hydrates from the first
// chunk alone; other pages and the dialogs fetch their code when first wanted.

/** Names of the split wasm chunks the page has requested so far. */
function chunks(requests: Request[]) {
  return requests
    .map((r) => new URL(r.url()).pathname)
    .filter((p) => p.startsWith("/pkg/") && p.endsWith(".wasm") && !p.startsWith("/pkg/customers."))
    .map((p) => p.slice("/pkg/".length));
}

test("the list hydrates without the other pages' code; a profile and the Add dialog load theirs", async ({ page }) => {
  await signedIn(page, "/customers");
  const requests: Request[] = [];
  page.on("request", (r) => requests.push(r));

  // A fresh load of the list hydrates from the first chunk: no other chunk is asked for
  // until hydration is over (then the rest follow in the background).
  await page.goto("/customers");
  await hydrated(page);
  await expect(page.locator("table.data-table tbody tr").first()).toBeVisible();
  const before = await page.evaluate(() => {
    const done = performance.getEntriesByName("hydrated")[0]?.startTime ?? Infinity;
    return performance
      .getEntriesByType("resource")
      .filter((e) => e.startTime < done && /\/pkg\/split_/.test(e.name))
      .map((e) => e.name);
  });
  expect(before).toEqual([]);

  // The Add customer dialog's code has arrived (in the background, or when opened) and the
  // dialog works.
  await page.getByRole("button", { name: "+ Add customer" }).click();
  const dialog = page.getByRole("dialog", { name: "Add customer" });
  await expect(dialog.getByRole("textbox", { name: "First name", exact: true })).toBeVisible();
  expect(chunks(requests).some((c) => c.startsWith("split_customer_form_modal_"))).toBe(true);
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toBeHidden();

  // A profile reached from the list loads its page's chunk, then renders.
  const row = page.locator("table.data-table tbody tr").first();
  await row.getByRole("button", { name: /Actions for/ }).click();
  await row.getByRole("menuitem", { name: "View" }).click();
  await expect(page.getByTestId("profile-name")).toBeVisible();
  expect(chunks(requests).some((c) => c.startsWith("split___profile_view_"))).toBe(true);
});

test("a page loaded directly names its chunk in the head and hydrates", async ({ page }) => {
  await signedIn(page, "/customers/trash");
  await page.goto("/customers/trash");
  const preloads = await page
    .locator('head link[rel="preload"], head link[rel="modulepreload"]')
    .evaluateAll((ls) => ls.map((l) => l.getAttribute("href") ?? ""));
  expect(preloads.some((h) => h.includes("split___trash_view_"))).toBe(true);
  await hydrated(page);
  await expect(page.getByRole("heading", { name: "Trash" })).toBeVisible();
});
