import { test, expect, Page } from "@playwright/test";
import { addCustomer, signedIn, hydrated } from "./helpers";

// test.sh seeds demo customers before the server starts, so paging has pages to turn.


const rows = (page: Page) => page.locator("table.data-table tbody tr");

test("typing filters the rows without pressing Enter", async ({ page }) => {
  await signedIn(page);
  const a = await addCustomer(page, "Quintessa", "Vandermolen");
  const b = await addCustomer(page, "Bartholomew", "Oyelaran");
  await page.getByRole("searchbox", { name: "Search customers" }).pressSequentially("vanderm", { delay: 30 });
  await expect(rows(page).filter({ hasText: a })).toHaveCount(1);
  await expect(rows(page).filter({ hasText: b })).toHaveCount(0);
  await expect(page).toHaveURL(/q=vanderm/);
  await expect(page.getByTestId("page-range")).toHaveText("1–1 of 1");
});

test("a hidden column stays hidden after reload, and Reset to default brings it back", async ({ page }) => {
  await signedIn(page);
  const emailHeader = page.locator('th[data-col="email"]');
  await expect(emailHeader).toBeVisible();
  await page.getByRole("button", { name: "Columns" }).click();
  await page.getByRole("group", { name: "Visible columns" }).getByLabel("Email").uncheck();
  await expect(emailHeader).toBeHidden();
  await expect(page.locator('td[data-col="email"]').first()).toBeHidden();
  await page.waitForTimeout(300); // the preference is saved in the background
  await page.reload();
  await hydrated(page);
  await expect(page.locator('th[data-col="email"]')).toBeHidden();
  await page.getByRole("button", { name: "Columns" }).click();
  await page.getByRole("button", { name: "Reset to default" }).click();
  await expect(page.locator('th[data-col="email"]')).toBeVisible();
  await page.waitForTimeout(300);
  await page.reload();
  await expect(page.locator('th[data-col="email"]')).toBeVisible();
});

test("the inline switch and the status filter", async ({ page }) => {
  await signedIn(page);
  const email = await addCustomer(page, "Switchy", "Statusson");
  const row = rows(page).filter({ hasText: email });
  const toggle = row.getByRole("switch");
  await expect(toggle).toHaveAttribute("aria-checked", "true");
  await toggle.click();
  await expect(toggle).toHaveAttribute("aria-checked", "false");
  await expect(toggle).toContainText("Inactive");
  await page.getByLabel("Status", { exact: true }).selectOption("inactive");
  await expect(page).toHaveURL(/status=inactive/);
  await expect(rows(page).filter({ hasText: email })).toHaveCount(1);
  const switches = page.locator("table.data-table tbody").getByRole("switch");
  const n = await switches.count();
  for (let i = 0; i < n; i++) await expect(switches.nth(i)).toHaveAttribute("aria-checked", "false");
  await page.getByLabel("Status", { exact: true }).selectOption("active");
  await expect(rows(page).filter({ hasText: email })).toHaveCount(0);
});

test("page size, next and previous", async ({ page }) => {
  await signedIn(page);
  await page.getByLabel("Rows per page").selectOption("10");
  await expect(rows(page)).toHaveCount(10);
  await expect(page.getByTestId("page-range")).toHaveText(/^1–10 of /);
  const firstPage = await rows(page).first().getAttribute("data-customer-id");
  await page.getByRole("button", { name: "Next page" }).click();
  await expect(page.getByTestId("page-range")).toHaveText(/^11–20 of /);
  await expect(rows(page).first()).not.toHaveAttribute("data-customer-id", firstPage!);
  await page.getByRole("button", { name: "Previous page" }).click();
  await expect(page.getByTestId("page-range")).toHaveText(/^1–10 of /);
  await expect(rows(page).first()).toHaveAttribute("data-customer-id", firstPage!);
  // Browser back goes back a page too: the page is in the URL.
  await page.goBack();
  await expect(page.getByTestId("page-range")).toHaveText(/^11–20 of /);
  // The page size is remembered for this user.
  await page.waitForTimeout(300);
  await page.goto("/customers");
  await expect(rows(page)).toHaveCount(10);
  await hydrated(page);
  await page.getByLabel("Rows per page").selectOption("20");
  await expect(rows(page)).toHaveCount(20);
});

test("sort by clicking a header", async ({ page }) => {
  await signedIn(page);
  await page.getByRole("button", { name: "Last name" }).click();
  await expect(page.locator('th[data-col="last_name"]')).toHaveAttribute("aria-sort", "ascending");
  // The header shows the new order at once; the rows follow when the server answers.
  const cells = page.locator('tbody td[data-col="last_name"]');
  await expect
    .poll(async () => {
      const names = (await cells.allTextContents()).map((n) => n.toLowerCase());
      const sorted = [...names].sort((x, y) => x.localeCompare(y, "en", { sensitivity: "base" }));
      return names.length > 1 && names.every((n, i) => n === sorted[i]);
    })
    .toBe(true);
  await page.getByRole("button", { name: "Last name" }).click();
  await expect(page.locator('th[data-col="last_name"]')).toHaveAttribute("aria-sort", "descending");
  await expect(page).toHaveURL(/sort=last_name&dir=desc|dir=desc.*sort=last_name|sort=last_name.*dir=desc/);
});

test("card view, and a copied URL restores the whole view", async ({ page, browser }) => {
  await signedIn(page);
  const email = await addCustomer(page, "Cardella", "Viewmont");
  await page.getByRole("searchbox", { name: "Search customers" }).fill("viewmont");
  await expect(rows(page)).toHaveCount(1);
  await page.getByRole("button", { name: "Show as cards" }).click();
  const card = page.locator(".customer-card").filter({ hasText: email });
  await expect(card).toBeVisible();
  await expect(card.getByRole("switch")).toBeVisible();
  await expect(page.locator("table.data-table")).toHaveCount(0);
  const url = page.url();

  const other = await browser.newContext();
  const page2 = await other.newPage();
  await signedIn(page2, url.replace(/^https?:\/\/[^/]+/, ""));
  await expect(page2.getByRole("searchbox", { name: "Search customers" })).toHaveValue("viewmont");
  await expect(page2.locator(".customer-card").filter({ hasText: email })).toBeVisible();
  await other.close();

  // The choice is remembered for this user: the plain list address opens as cards.
  try {
    await page.goto("/customers");
    await hydrated(page);
    await expect(page).toHaveURL(/view=cards/);
    await expect(page.locator(".customer-card").first()).toBeVisible();
    await page.getByRole("button", { name: "Show as table" }).click();
    await expect(page.locator("table.data-table")).toBeVisible();
    await page.goto("/customers");
    await hydrated(page);
    await page.waitForTimeout(300);
    await expect(page.locator("table.data-table")).toBeVisible();
    await expect(page).not.toHaveURL(/view=cards/);
  } finally {
    // Back to the table for the tests that follow, whatever happened above.
    await page.evaluate(() =>
      fetch("/api/save_list_prefs", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ prefs: { hidden_columns: [], cards: false } }),
      }),
    );
  }
});

test("offline: a banner says so, search still filters the cached rows, writes wait", async ({ page, context }) => {
  await signedIn(page);
  const email = await addCustomer(page, "Offlina", "Cachewood");
  await expect(rows(page).filter({ hasText: email })).toHaveCount(1);
  await page.waitForTimeout(500); // the background snapshot
  await context.setOffline(true);
  await expect(page.getByTestId("offline-banner")).toBeVisible();
  await expect(page.getByTestId("offline-banner")).toContainText("cached");
  await page.getByRole("searchbox", { name: "Search customers" }).fill("cachewood");
  await expect(rows(page)).toHaveCount(1);
  await expect(rows(page).filter({ hasText: email })).toHaveCount(1);
  await expect(page.getByTestId("page-range")).toHaveText("1 cached match");
  await expect(page.getByRole("button", { name: "+ Add customer" })).toBeDisabled();
  await expect(rows(page).getByRole("switch")).toBeDisabled();
  // The dialogs' code was fetched in the background after hydration: one still opens
  // (a chunk that cannot be fetched would stop the app).
  await page.getByRole("button", { name: "Manage labels" }).click();
  const labels = page.getByRole("dialog", { name: "Manage labels" });
  await expect(labels).toBeVisible();
  await labels.getByRole("button", { name: "Close" }).click();
  await expect(labels).toBeHidden();
  await context.setOffline(false);
  await expect(page.getByTestId("offline-banner")).toBeHidden();
  await expect(page.getByTestId("page-range")).toHaveText("1–1 of 1");
});

test("every toolbar and row-action button shows an icon or words, with a name and the seeds' tooltips", async ({ page }) => {
  await signedIn(page);
  await hydrated(page);
  const buttons = page.locator(".toolbar button, td.actions button");
  const n = await buttons.count();
  expect(n).toBeGreaterThan(3);
  for (let i = 0; i < n; i++) {
    const b = buttons.nth(i);
    if (!(await b.isVisible())) continue;
    const label = (await b.getAttribute("aria-label")) ?? "";
    const text = (await b.innerText()).trim();
    // An emoji glyph is not enough: without an emoji font it is an empty box.
    const svg = b.locator("svg");
    const drawn = (await svg.count()) > 0 && ((await svg.first().boundingBox())?.width ?? 0) > 0;
    expect(drawn || /[A-Za-z0-9]/.test(text), `button "${label || text}" shows nothing that always renders`).toBe(true);
    expect(label || text, `button ${i} has a name`).not.toBe("");
  }
  for (const [name, tip] of [["Columns", "Visibility"], ["Refresh", "Refresh"], ["Show as cards", "Switch view"]]) {
    await expect(page.getByRole("button", { name, exact: true })).toHaveAttribute("title", tip);
  }
  await expect(page.locator("td.actions button").first()).toHaveAttribute("title", "Actions");
  // Short country names, the ISO code on hover (on a page that surely has one: other specs
  // add customers without a country, newest first).
  await page.goto("/customers?country=GB");
  await hydrated(page);
  await expect(page.locator('td[data-col="country"] span[title="GB"]').first()).toHaveText("United Kingdom");
});

test("keyboard: / searches, j/k move, e edits, Enter opens, n adds, ? lists the shortcuts — never while typing", async ({ page }) => {
  await signedIn(page);
  await hydrated(page);
  const body = page.locator("tbody tr[data-customer-id]");
  await page.getByRole("heading", { name: "Customers", level: 1 }).click();
  await page.keyboard.press("j");
  await expect(body.nth(0)).toBeFocused();
  await page.keyboard.press("j");
  await expect(body.nth(1)).toBeFocused();
  await page.keyboard.press("k");
  await expect(body.nth(0)).toBeFocused();
  const id = await body.nth(0).getAttribute("data-customer-id");
  await page.keyboard.press("e");
  const edit = page.getByRole("dialog", { name: "Edit customer" });
  await expect(edit).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(edit).toBeHidden();
  await expect(body.nth(0)).toBeFocused();
  await page.keyboard.press("?");
  const help = page.getByRole("dialog", { name: "Keyboard shortcuts" });
  await expect(help).toContainText("Edit the customer");
  await page.keyboard.press("Escape");
  await expect(help).toBeHidden();
  await page.keyboard.press("/");
  const search = page.getByRole("searchbox", { name: "Search customers" });
  await expect(search).toBeFocused();
  await page.keyboard.type("n");
  await expect(search).toHaveValue("n");
  await expect(page.getByRole("dialog")).toHaveCount(0);
  await search.fill("");
  await page.getByRole("heading", { name: "Customers", level: 1 }).click();
  await page.keyboard.press("n");
  await expect(page.getByRole("dialog", { name: "Add customer" })).toBeVisible();
  await page.keyboard.press("Escape");
  await page.keyboard.press("j");
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(new RegExp(`/customers/${id}$`));
});

for (const width of [1280, 1440]) {
  test(`at ${width} px the page does not scroll sideways, Actions stay in view, rows have one height, the header stays`, async ({ page }) => {
    await page.setViewportSize({ width, height: 800 });
    await signedIn(page);
    await hydrated(page);
    const sideways = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(sideways).toBeLessThanOrEqual(0);
    const actions = page.locator("tbody tr[data-customer-id] td.actions").first();
    const box = (await actions.boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(width);
    const heights = await page.locator("tbody tr[data-customer-id]").evaluateAll((rows) => rows.map((r) => Math.round(r.getBoundingClientRect().height)));
    expect(new Set(heights).size, `row heights ${heights}`).toBe(1);
    // Scrolled inside its card, the header is still at the top of it.
    const wrap = page.locator(".card.table-wrap").first();
    await wrap.evaluate((w) => (w.scrollTop = 300));
    const head = (await page.locator("thead th").nth(2).boundingBox())!;
    const top = (await wrap.boundingBox())!;
    expect(Math.abs(head.y - top.y)).toBeLessThan(3);
  });
}

test("Refresh shows another person's change; Active and Inactive chips have colours of their own; the Eye toggle; the Portal tab", async ({ page, browser }) => {
  await signedIn(page);
  await hydrated(page);
  const email = await addCustomer(page, "Refresha", "Visible");
  const row = page.getByRole("row").filter({ hasText: email });
  await expect(row.getByRole("switch")).toHaveAttribute("aria-checked", "true");
  const id = await row.getAttribute("data-customer-id");

  // Someone else sets the customer Inactive; Refresh brings it in.
  const other = await browser.newContext();
  const page2 = await other.newPage();
  await signedIn(page2);
  const status = await page2.evaluate(async (id) => {
    const res = await fetch("/api/set_customer_status", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ id: Number(id), status: "inactive" }),
    });
    return res.status;
  }, id);
  expect(status).toBe(200);
  await other.close();
  await expect(row.getByRole("switch")).toHaveAttribute("aria-checked", "true");
  await page.getByRole("button", { name: "Refresh", exact: true }).click();
  await expect(row.getByRole("switch")).toHaveAttribute("aria-checked", "false");

  // The chips view-only staff see: two different colours, neither transparent.
  const { SUPPORT_EMAIL, SUPPORT_PASSWORD } = await import("./helpers");
  const support = await (await browser.newContext()).newPage();
  await signedIn(support, "/customers?status=inactive", SUPPORT_EMAIL, SUPPORT_PASSWORD);
  const inactive = await support.locator("tbody td[data-col=status] .status-inactive").first().evaluate((e) => getComputedStyle(e).color);
  await support.goto("/customers?status=active");
  await hydrated(support);
  const active = await support.locator("tbody td[data-col=status] .status-active").first().evaluate((e) => getComputedStyle(e).color);
  expect(active).not.toBe(inactive);
  const text = await support.locator("body").evaluate((e) => getComputedStyle(e).color);
  for (const c of [active, inactive]) expect(c, "a colour of its own").not.toBe(text);
  await support.context().close();

  // Reset password: the eye shows and hides what is typed.
  await row.getByRole("button", { name: /Actions for/ }).click();
  await row.getByRole("menuitem", { name: "Reset password" }).click();
  const reset = page.getByRole("dialog", { name: "Reset password" });
  const field = reset.getByLabel("New Password");
  await field.fill("Typed-Secret-Words-42");
  await expect(field).toHaveAttribute("type", "password");
  await reset.getByRole("button", { name: "Show password" }).click();
  await expect(field).toHaveAttribute("type", "text");
  await reset.getByRole("button", { name: "Hide password" }).click();
  await expect(field).toHaveAttribute("type", "password");
  await page.keyboard.press("Escape");

  // Reset password from the profile's Quick Actions (no notification this time).
  await page.goto(`/customers/${id}`);
  await hydrated(page);
  await page.getByRole("complementary", { name: "Quick Actions" }).getByRole("button", { name: "Reset password" }).click();
  const quick = page.getByRole("dialog", { name: "Reset password" });
  await quick.getByRole("button", { name: "Generate" }).click();
  await quick.getByRole("checkbox", { name: /Send e-mail notification/ }).uncheck();
  await quick.getByRole("button", { name: "Save" }).click();
  await expect(quick).toBeHidden();
  await expect(page.getByText("Password changed", { exact: true })).toBeVisible();

  // The profile's Portal tab, by a click.
  await page.getByRole("link", { name: "Portal", exact: true }).click();
  await expect(page).toHaveURL(/tab=portal/);
  await expect(page.getByTestId("portal-state")).toBeVisible();
});

test("country, gender, dates and last access filter the list, sit in the URL and clear", async ({ page }) => {
  await signedIn(page);
  await page.goto("/customers?size=100");
  await hydrated(page);
  // Countries: find one, tick it, tick another; every row is in one of them.
  await page.getByRole("button", { name: /^Country filter/ }).click();
  const picker = page.getByRole("group", { name: "Country filter" });
  await picker.getByRole("searchbox", { name: "Find a country" }).fill("japan");
  await picker.getByLabel(/Japan/).check();
  await expect(page).toHaveURL(/country=JP/);
  await picker.getByRole("searchbox", { name: "Find a country" }).fill("germ");
  await picker.getByLabel(/Germany/).check();
  await expect(page).toHaveURL(/country=JP%2CDE/);
  await page.keyboard.press("Escape");
  await expect(page.getByRole("button", { name: /^Country filter: 2 countries/ })).toBeVisible();
  const countries = page.locator('tbody td[data-col="country"]');
  await expect.poll(async () => {
    const all = await countries.allTextContents();
    return all.length > 0 && all.every((c) => c.includes("Japan") || c.includes("Germany"));
  }).toBe(true);

  // More filters: a gender and a created range that ends before it starts (refused next to
  // the field, the URL unchanged), then one that works.
  await page.getByRole("button", { name: /^More filters/ }).click();
  const more = page.getByRole("group", { name: "More filters" });
  await more.getByLabel("Gender").selectOption("other");
  await expect(page).toHaveURL(/gender=other/);
  await more.getByLabel("Date created from").fill("2025-06-01");
  await expect(page).toHaveURL(/created=2025-06-01\.\./);
  await more.getByLabel("Date created to").fill("2024-01-01");
  await expect(more.getByRole("alert").first()).toHaveText("The end is before the start.");
  await expect(page).not.toHaveURL(/created=2025-06-01\.\.2024/);
  await more.getByLabel("Last access").selectOption("never");
  await expect(page).toHaveURL(/access=never/);
  await expect(page.getByRole("button", { name: /^More filters \(3\)/ })).toBeVisible();

  // The URL brings the same view back after a reload; Clear filters empties it.
  await page.reload();
  await hydrated(page);
  await expect(page.getByRole("button", { name: /^More filters \(3\)/ })).toBeVisible();
  await expect(page.getByRole("button", { name: /^Country filter: 2 countries/ })).toBeVisible();
  await page.getByRole("button", { name: /^Clear filters/ }).click();
  await expect(page).not.toHaveURL(/country=|gender=|created=|access=/);
  await expect(page.getByRole("button", { name: /^Country filter: All countries/ })).toBeVisible();
});

test("saved views: the team's Best clients applies in one click, and my own view is saved and deleted", async ({ page }) => {
  await signedIn(page);
  await page.goto("/customers");
  await hydrated(page);
  await page.getByRole("button", { name: /^Saved views/ }).click();
  const menu = page.getByRole("group", { name: "Saved views" });
  await menu.getByRole("menu", { name: "Team views" }).getByRole("menuitem", { name: "Best clients" }).click();
  await expect(page).toHaveURL(/status=active&labels=\d+/);
  await expect(page.getByRole("button", { name: "Saved views: Best clients" })).toBeVisible();
  const statuses = page.locator('tbody td[data-col="status"]');
  await expect.poll(async () => {
    const all = await statuses.allTextContents();
    return all.length > 0 && all.every((s) => s.includes("Active"));
  }).toBe(true);

  // Narrow it by a country and keep that as my own view.
  await page.goto("/customers?status=active&country=PH");
  await hydrated(page);
  await page.getByRole("button", { name: /^Saved views/ }).click();
  await menu.getByRole("button", { name: "Save current view…" }).click();
  await menu.getByRole("button", { name: "Save", exact: true }).click();
  await expect(menu.getByRole("alert")).toHaveText("Give the view a name.");
  await menu.getByLabel("View name").fill("Active Filipinos");
  await menu.getByRole("button", { name: "Save", exact: true }).click();
  await expect(menu.getByRole("menu", { name: "My views" }).getByRole("menuitem", { name: "Active Filipinos" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Saved views: Active Filipinos" })).toBeVisible();

  // From another search, one click brings it back (the search box follows); it survives a
  // reload; × deletes it.
  await page.goto("/customers?q=maria");
  await hydrated(page);
  await expect(page.getByRole("searchbox", { name: "Search customers" })).toHaveValue("maria");
  await page.getByRole("button", { name: /^Saved views/ }).click();
  await menu.getByRole("menuitem", { name: "Active Filipinos" }).click();
  await expect(page).toHaveURL(/status=active&country=PH/);
  await expect(page.getByRole("searchbox", { name: "Search customers" })).toHaveValue("");
  await page.reload();
  await hydrated(page);
  await page.getByRole("button", { name: "Saved views: Active Filipinos" }).click();
  await menu.getByRole("button", { name: "Delete view Active Filipinos" }).click();
  await expect(menu.getByRole("menuitem", { name: "Active Filipinos" })).toHaveCount(0);
});

test.describe("in Manila", () => {
  test.use({ timezoneId: "Asia/Manila" });

  test("times show in the browser's zone, from the server's first byte once it knows it; the profile says how long ago", async ({ page, context }) => {
    // A cookie left from another zone (a trip): the server renders Berlin, the page corrects it.
    await context.addCookies([{ name: "tz", value: "Europe/Berlin", url: process.env.E2E_BASE_URL ?? "http://127.0.0.1:3100" }]);
    await signedIn(page);
    const cell = page.locator('tbody td[data-col="created"] time').first();
    // UTC+8 all year: the wall time is the UTC instant plus eight hours.
    const manila = (iso: string) => new Date(new Date(iso).getTime() + 8 * 3600e3).toISOString().slice(0, 16).replace("T", " ");
    const utc = await cell.getAttribute("datetime");
    await expect(cell).toHaveText(manila(utc!));
    await expect(cell).toHaveAttribute("title", /UTC$/);
    // The browser told the server: the page's HTML itself now carries Manila times.
    expect((await context.cookies()).find((c) => c.name === "tz")?.value).toBe("Asia/Manila");
    const html = await (await context.request.get("/customers")).text();
    expect(html).toContain(manila(utc!));

    const id = (await page.locator('tbody td[data-col="id"]').first().innerText()).trim();
    await page.goto(`/customers/${id}`);
    await hydrated(page);
    const created = page.locator(".overview .kv", { hasText: "Date created" }).locator("time");
    await expect(created).toHaveText(/ago|just now/);
    await expect(created).toHaveAttribute("title", /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
  });
});
