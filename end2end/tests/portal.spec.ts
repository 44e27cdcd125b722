import { test, expect, Page, Browser } from "@playwright/test";
import { signedIn, hydrated, uniqueEmail, keptMail, noSeriousViolations } from "./helpers";

const CHOSEN_PASSWORD = "Tall-Window-Quiet-42";

/** The newest mail to `email` with `subject`, opened on the Mail page; returns its text. */
async function mailText(page: Page, email: string, subject: string) {
  await page.goto("/mail");
  await hydrated(page);
  const row = page.getByRole("row").filter({ hasText: email }).filter({ hasText: subject }).first();
  await expect(row).toBeVisible();
  await row.getByRole("button", { name: "View" }).click();
  const body = page.getByTestId("mail-body");
  await expect(body).toBeVisible();
  const text = (await body.textContent()) ?? "";
  await page.keyboard.press("Escape");
  return text;
}

async function customerRow(page: Page, email: string) {
  await page.goto(`/customers?q=${encodeURIComponent(email)}`);
  await hydrated(page);
  const row = page.getByRole("row").filter({ hasText: email });
  await expect(row).toBeVisible();
  return row;
}

/** A separate browser (own cookies) for the customer. */
async function customerPage(browser: Browser) {
  const context = await browser.newContext();
  return context.newPage();
}

/** "+ Add customer" with the invitation e-mail (the modal's default); its accept link. */
async function addInvited(page: Page, first: string, last: string, email: string) {
  await page.getByRole("button", { name: "+ Add customer" }).click();
  const dialog = page.getByRole("dialog", { name: "Add customer" });
  await dialog.getByRole("textbox", { name: "First name", exact: true }).fill(first);
  await dialog.getByRole("textbox", { name: "Last name", exact: true }).fill(last);
  await dialog.getByRole("textbox", { name: "Email", exact: true }).fill(email);
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog).toBeHidden();
  const invitation = await keptMail(email, "Your customer portal invitation");
  return invitation.match(/https?:\/\/\S+\/portal\/accept\?token=[0-9a-f]+/)![0];
}

/** The customer opens the accept link and chooses CHOSEN_PASSWORD: signed in, welcomed. */
async function acceptWithPassword(customer: Page, link: string) {
  await customer.goto(link);
  await hydrated(customer);
  await customer.getByLabel("New password").fill(CHOSEN_PASSWORD);
  await customer.getByLabel("Repeat the password").fill(CHOSEN_PASSWORD);
  await customer.getByRole("button", { name: "Set password and sign in" }).click();
  await expect(customer).toHaveURL(/\/portal\?welcome=1$/);
  await hydrated(customer);
}

test("invite → accept from the e-mail → portal → staff see last access; reset with Generate", async ({
  page,
  browser,
}) => {
  test.setTimeout(90_000);
  await signedIn(page);
  const email = uniqueEmail("portal");

  // + Add customer with "Send invitation e-mail" (on by default).
  await page.getByRole("button", { name: "+ Add customer" }).click();
  const dialog = page.getByRole("dialog", { name: "Add customer" });
  await dialog.getByRole("textbox", { name: "First name", exact: true }).fill("Paula");
  await dialog.getByRole("textbox", { name: "Last name", exact: true }).fill("Portal");
  await dialog.getByRole("textbox", { name: "Email", exact: true }).fill(email);
  await expect(dialog.getByRole("checkbox", { name: /Send invitation e-mail/ })).toBeChecked();
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog).toBeHidden();

  // While unverified the ⚙️ menu offers "Resend invitation".
  let row = await customerRow(page, email);
  await row.getByRole("button", { name: /Actions for/ }).click();
  await expect(row.getByRole("menuitem", { name: "Resend invitation" })).toBeVisible();
  await page.keyboard.press("Escape");

  // The Mail page shows the invitation, but never a usable link (its token is redacted);
  // the embedded mail mode's .eml file is the delivery, and the link is followed from there.
  const shown = await mailText(page, email, "Your customer portal invitation");
  expect(shown).toContain("/portal/accept?token=redacted");
  const invitation = await keptMail(email, "Your customer portal invitation");
  const link = invitation.match(/https?:\/\/\S+\/portal\/accept\?token=[0-9a-f]+/)?.[0];
  expect(link, invitation).toBeTruthy();

  const customer = await customerPage(browser);
  await customer.goto(link!);
  await hydrated(customer);
  await customer.getByLabel("New password").fill(CHOSEN_PASSWORD);
  await customer.getByLabel("Repeat the password").fill(CHOSEN_PASSWORD);
  await customer.getByRole("button", { name: "Set password and sign in" }).click();
  await expect(customer).toHaveURL(/\/portal\?welcome=1$/);
  await hydrated(customer);
  await expect(customer.getByTestId("portal-welcome")).toBeVisible();
  await expect(customer.getByTestId("portal-name")).toHaveText("Paula Portal");
  await noSeriousViolations(customer, "portal home");

  // The same link does not work twice.
  const again = await customerPage(browser);
  await again.goto(link!);
  await expect(again.getByTestId("link-dead")).toBeVisible();

  // Staff: last access shows; once verified there is nothing to resend.
  row = await customerRow(page, email);
  await expect(row.locator('td[data-col="last_access"]')).toContainText(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
  await row.getByRole("button", { name: /Actions for/ }).click();
  await expect(row.getByRole("menuitem", { name: "Reset password" })).toBeVisible();
  await expect(row.getByRole("menuitem", { name: "Resend invitation" })).toHaveCount(0);

  // Reset password with Generate (🔄); the eye reveals it; the customer is notified.
  await row.getByRole("menuitem", { name: "Reset password" }).click();
  const reset = page.getByRole("dialog", { name: "Reset password" });
  await expect(reset).toBeVisible();
  const field = reset.getByLabel("New Password");
  await expect(field).toHaveAttribute("type", "password");
  await reset.getByRole("button", { name: "Generate" }).click();
  await expect(field).toHaveAttribute("type", "text");
  const generated = await field.inputValue();
  expect(generated).toMatch(/^[A-Za-z0-9]{4}(-[A-Za-z0-9]{4}){3}$/);
  await expect(reset.getByRole("checkbox", { name: /Send e-mail notification/ })).toBeChecked();
  await reset.getByRole("button", { name: "Save" }).click();
  await expect(reset).toBeHidden();
  await expect(page.getByText("Password changed; the customer was notified by e-mail")).toBeVisible();

  // The notification never contains the password.
  const notice = await mailText(page, email, "Your portal password was changed");
  expect(notice).not.toContain(generated);

  // The customer's session ended; the new password signs them in.
  await customer.goto(new URL("/portal", link!).toString());
  await expect(customer).toHaveURL(/\/portal\/login/);
  await hydrated(customer);
  await customer.getByLabel("E-mail").fill(email);
  await customer.getByLabel("Password").fill(generated);
  await customer.getByRole("button", { name: "Sign in" }).click();
  await expect(customer).toHaveURL(/\/portal$/);
  await expect(customer.getByTestId("portal-name")).toHaveText("Paula Portal");

  // The profile's Portal tab shows the account.
  const id = await (await customerRow(page, email)).getAttribute("data-customer-id");
  await page.goto(`/customers/${id}?tab=portal`);
  await hydrated(page);
  await expect(page.getByTestId("portal-state")).toHaveText("Active");
  // Relative, the exact time on hover.
  await expect(page.getByTestId("portal-verified")).toContainText(/just now|minutes? ago/);
  await expect(page.getByTestId("portal-verified").locator("time")).toHaveAttribute("title", /\d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
  await expect(page.getByRole("button", { name: "Resend invitation" })).toHaveCount(0);
});

test("a customer edits their own contact details in the portal", async ({ page, browser }) => {
  await signedIn(page);
  const email = uniqueEmail("details");
  const link = await addInvited(page, "Dora", "Details", email);

  const customer = await customerPage(browser);
  await customer.goto(link);
  await hydrated(customer);
  // A common password is refused with a message on the page.
  await customer.getByLabel("New password").fill("password123");
  await customer.getByLabel("Repeat the password").fill("password123");
  await customer.getByRole("button", { name: "Set password and sign in" }).click();
  await expect(customer.getByRole("alert")).toContainText("too common");
  await hydrated(customer);
  await customer.getByLabel("New password").fill(CHOSEN_PASSWORD);
  await customer.getByLabel("Repeat the password").fill(CHOSEN_PASSWORD);
  await customer.getByRole("button", { name: "Set password and sign in" }).click();
  await expect(customer).toHaveURL(/\/portal\?welcome=1$/);
  await hydrated(customer);

  await customer.getByLabel("City").fill("Iloilo");
  await customer.getByRole("button", { name: "Save details" }).click();
  await expect(customer.getByTestId("details-saved")).toBeVisible();

  const row = await customerRow(page, email);
  const id = await row.getAttribute("data-customer-id");
  await page.goto(`/customers/${id}`);
  await hydrated(page);
  await expect(page.locator(".overview")).toContainText("Iloilo");
});

test("a customer downloads their data from the portal; an Admin downloads it too, then anonymises them", async ({ page, browser }) => {
  await signedIn(page);
  const link = await addInvited(page, "Rita", "Rights", uniqueEmail("rights"));
  const customer = await customerPage(browser);
  await acceptWithPassword(customer, link);
  const fs = await import("fs");
  const [mine] = await Promise.all([
    customer.waitForEvent("download"),
    customer.getByRole("link", { name: "Download my data" }).click(),
  ]);
  expect(mine.suggestedFilename()).toMatch(/^customer-\d+-data\.zip$/);
  const bytes = fs.readFileSync(await mine.path());
  expect(bytes.subarray(0, 2).toString()).toBe("PK");
  const id = mine.suggestedFilename().match(/\d+/)![0];

  // The Admin: the same download from the profile, then Anonymise (the name typed).
  await page.goto(`/customers/${id}`);
  await hydrated(page);
  const actions = page.getByRole("complementary", { name: "Quick Actions" });
  const [theirs] = await Promise.all([
    page.waitForEvent("download"),
    actions.getByRole("link", { name: "Download data" }).click(),
  ]);
  expect(theirs.suggestedFilename()).toBe(`customer-${id}-data.zip`);
  await actions.getByRole("button", { name: "Anonymise…" }).click();
  const ask = page.getByRole("dialog", { name: "Anonymise customer" });
  await expect(ask).toContainText("This cannot be undone.");
  await noSeriousViolations(page, "the Anonymise dialog");
  await ask.getByLabel(/to confirm/).fill("Rita");
  await ask.getByRole("button", { name: "Anonymise" }).click();
  await expect(ask.getByRole("alert")).toHaveText("Type the customer's name exactly as shown to confirm.");
  await ask.getByLabel(/to confirm/).fill("Rita Rights");
  await ask.getByRole("button", { name: "Anonymise" }).click();
  await expect(ask).toBeHidden();
  await expect(page.getByTestId("profile-name")).toHaveText(`Anonymised #${id}`);

  // Their portal session is over.
  await customer.goto("/portal");
  await expect(customer).toHaveURL(/\/portal\/login/);
});
