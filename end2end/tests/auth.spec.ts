import { test, expect } from "@playwright/test";
import { ADMIN_EMAIL, hydrated, signIn } from "./helpers";

test("visiting / without a session lands on the login page", async ({ page }) => {
  await page.goto("/");
  await expect(page).toHaveURL(/\/login\?next=%2F$/);
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
});

test("a wrong password shows the generic error and no session", async ({ page }) => {
  await page.goto("/login");
  await hydrated(page);
  await signIn(page, ADMIN_EMAIL, "definitely-wrong");
  await expect(page.getByRole("alert")).toHaveText("Incorrect e-mail or password.");
  await expect(page).toHaveURL(/\/login\?error=invalid/);
  await page.goto("/customers");
  await expect(page).toHaveURL(/\/login\?next=%2Fcustomers/);
});

test("sign in after hydration, see the Customers page with my name, log out", async ({ page }) => {
  await page.goto("/customers?from=e2e");
  await expect(page).toHaveURL(/\/login\?next=/);
  await hydrated(page);
  await signIn(page);
  // Back where we were going, with the user's name and role in the header.
  await expect(page).toHaveURL(/\/customers\?from=e2e$/);
  await hydrated(page);
  await expect(page.getByRole("heading", { name: "Customers", level: 1 })).toBeVisible();
  await expect(page.getByTestId("current-user")).toContainText("Administrator");
  await expect(page.getByTestId("current-user")).toContainText("Admin");
  await expect(page.getByRole("navigation").getByRole("link", { name: "Customers" })).toBeVisible();

  // The hydrated app reacts: the phone-width menu button toggles the drawer.
  await page.setViewportSize({ width: 390, height: 800 });
  await page.getByRole("button", { name: "Toggle navigation" }).click();
  await expect(page.locator(".app")).toHaveClass(/nav-open/);

  await page.getByRole("button", { name: "Close navigation" }).click();
  await expect(page.locator(".app")).not.toHaveClass(/nav-open/);
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  // The old session is gone server-side: the Customers page sends us back to login.
  await page.goto("/customers");
  await expect(page).toHaveURL(/\/login\?next=%2Fcustomers/);
});

test.describe("before hydration (no JavaScript)", () => {
  test.use({ javaScriptEnabled: false });

  test("sign in and out work as plain HTML forms", async ({ page }) => {
    await page.goto("/");
    await signIn(page, ADMIN_EMAIL, "wrong-again");
    await expect(page.getByRole("alert")).toHaveText("Incorrect e-mail or password.");
    await signIn(page);
    await expect(page).toHaveURL(/\/customers$/);
    await expect(page.getByTestId("current-user")).toContainText("Administrator");
    await page.getByRole("button", { name: "Log out" }).click();
    await expect(page).toHaveURL(/\/login$/);
  });
});
