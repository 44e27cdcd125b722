import { expect, Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";

export const ADMIN_EMAIL = process.env.E2E_ADMIN_EMAIL ?? "admin@example.com";
export const ADMIN_PASSWORD = process.env.E2E_ADMIN_PASSWORD ?? "e2e-admin-password";
export const SUPPORT_EMAIL = process.env.E2E_SUPPORT_EMAIL ?? "support@example.com";
export const SUPPORT_PASSWORD = process.env.E2E_SUPPORT_PASSWORD ?? "e2e-support-password";
export const ACCOUNTING_EMAIL = process.env.E2E_ACCOUNTING_EMAIL ?? "accounting@example.com";
export const ACCOUNTING_PASSWORD = process.env.E2E_ACCOUNTING_PASSWORD ?? "e2e-accounting-password";

/** Wait until the wasm has hydrated the page (App sets body[data-hydrated]). */
export async function hydrated(page: Page) {
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
}

export async function signIn(page: Page, email = ADMIN_EMAIL, password = ADMIN_PASSWORD) {
  await page.getByLabel("E-mail").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Sign in and land on a hydrated page (default: the Customers list). */
export async function signedIn(page: Page, path = "/customers", email = ADMIN_EMAIL, password = ADMIN_PASSWORD) {
  await page.goto(`/login?next=${encodeURIComponent(path)}`);
  await signIn(page, email, password);
  await expect(page).toHaveURL(new RegExp(path.replace(/[?]/g, "\\?") + "$"));
  await hydrated(page);
}

/** A unique e-mail per call, so tests never collide on the unique index. */
export function uniqueEmail(prefix: string) {
  return `${prefix}.${Date.now()}.${Math.floor(Math.random() * 1e6)}@example.com`;
}

/** Add a customer through the "+ Add customer" modal; returns its unique e-mail. */
export async function addCustomer(page: Page, first: string, last: string) {
  const email = uniqueEmail(first.toLowerCase());
  await page.getByRole("button", { name: "+ Add customer" }).click();
  const dialog = page.getByRole("dialog", { name: "Add customer" });
  await dialog.getByRole("textbox", { name: "First name", exact: true }).fill(first);
  await dialog.getByRole("textbox", { name: "Last name", exact: true }).fill(last);
  await dialog.getByRole("textbox", { name: "Email", exact: true }).fill(email);
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog).toBeHidden();
  return email;
}

/**
 * The newest mail kept as an `.eml` file (the embedded mode's delivery: the recipient's
 * mailbox in these tests) to `email` with `subject`, quoted-printable decoded. Links are
 * followed from here: the Mail page shows stored mails with their tokens redacted.
 */
export async function keptMail(email: string, subject: string): Promise<string> {
  const fs = await import("fs");
  const path = await import("path");
  const dir = process.env.E2E_MAIL_DIR ?? "";
  for (let i = 0; i < 100; i++) {
    const files = fs.existsSync(dir)
      ? fs.readdirSync(dir).filter((f) => f.endsWith(".eml")).sort().reverse()
      : [];
    for (const f of files) {
      const raw = fs.readFileSync(path.join(dir, f), "utf8");
      if (raw.includes(email) && raw.includes(`Subject: ${subject}`)) {
        return raw
          .replace(/=\r?\n/g, "")
          .replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
      }
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no kept mail to ${email} with subject "${subject}" in ${dir}`);
}

/** axe-core over the page as it is: no serious or critical WCAG 2.1 A/AA violation. */
export async function noSeriousViolations(page: Page, what: string) {
  const results = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"])
    .analyze();
  const bad = results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 5).map((n) => n.target.join(" ")).join(" | ")}`);
  expect(bad, `${what}:\n${bad.join("\n")}`).toEqual([]);
}
