import { test, expect } from "@playwright/test";
import { signedIn, signIn, hydrated, noSeriousViolations, SUPPORT_EMAIL, SUPPORT_PASSWORD } from "./helpers";

test.describe("before hydration (no JavaScript)", () => {
  test.use({ javaScriptEnabled: false });

  test("the Overview's charts are the server's SVG", async ({ page }) => {
    await page.goto("/login?next=%2Foverview");
    await signIn(page, SUPPORT_EMAIL, SUPPORT_PASSWORD);
    await expect(page).toHaveURL(/\/overview$/);
    await expect(page.getByTestId("chart-countries").locator("svg a.bar-link").first()).toBeVisible();
    await expect(page.getByTestId("chart-months").locator("svg rect.bar")).toHaveCount(24);
  });
});

test("a country's bar on the Overview opens the Customers list filtered to that country", async ({ page }) => {
  // Support (view-only) reaches it first under Sales.
  await signedIn(page, "/customers", SUPPORT_EMAIL, SUPPORT_PASSWORD);
  const nav = page.getByRole("navigation");
  await expect(nav.getByRole("link").first()).toHaveText("Overview");
  await nav.getByRole("link", { name: "Overview" }).click();
  await expect(page).toHaveURL(/\/overview$/);
  await expect(page.getByRole("heading", { name: "Overview", level: 1 })).toBeVisible();
  const total = Number((await page.getByTestId("kpi-total").locator(".kpi-value").innerText()).replace(/,/g, ""));
  expect(total).toBeGreaterThan(0);

  // The table alternative says the same as the drawing.
  const countries = page.getByTestId("chart-countries");
  await countries.getByText("Show as a table").click();
  // The largest country that is one (customers added by other specs have none: no link).
  const firstRow = countries.locator("tbody tr").filter({ has: page.getByRole("link") }).first();
  const name = (await firstRow.locator("th").innerText()).trim();
  const count = (await firstRow.locator("td").innerText()).trim();
  const bar = countries.locator("svg").getByRole("link").first();
  await expect(bar).toHaveAttribute("aria-label", `${name}: ${count}`);
  await noSeriousViolations(page, "the Overview");

  await bar.click();
  await expect(page).toHaveURL(/\/customers\?country=[A-Z]{2}$/);
  await hydrated(page);
  await expect(page.getByTestId("page-range")).toHaveText(new RegExp(` of ${count}$`));
  const cells = page.locator('tbody td[data-col="country"]');
  await expect.poll(async () => {
    const all = await cells.allTextContents();
    return all.length > 0 && all.every((c) => c.trim() === name);
  }).toBe(true);
});
