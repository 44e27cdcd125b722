import { test, expect } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { signedIn } from "./helpers";

/** Data rows and the header of the first sheet of an .xlsx (python3's zipfile reads it). */
function readSheet(path: string): { rows: number; header: string } {
  const script = `
import re, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
x = z.read("xl/worksheets/sheet1.xml").decode()
rows = re.findall(r"<row [^>]*>(.*?)</row>", x)
header = re.findall(r"<t[^>]*>([^<]*)</t>", rows[0])
print(len(rows) - 1)
print("|".join(header))
`;
  const [rows, header] = execFileSync("python3", ["-c", script, path]).toString().trim().split("\n");
  return { rows: Number(rows), header };
}

test("Export → Current view downloads exactly the rows the list counts, visible columns only", async ({ page }) => {
  await signedIn(page);
  const unfiltered = await page.getByTestId("page-range").textContent();
  await page.getByLabel("Status", { exact: true }).selectOption("inactive");
  await expect(page).toHaveURL(/status=inactive/);
  // The URL changes at once; the count only when the filtered rows have arrived.
  await expect(page.getByTestId("page-range")).not.toHaveText(unfiltered!);
  const range = await page.getByTestId("page-range").textContent();
  const total = Number(range!.split(" of ")[1].replace(/,/g, ""));
  expect(total).toBeGreaterThan(0);

  await page.getByRole("button", { name: "Export (Excel)" }).click();
  const downloading = page.waitForEvent("download");
  await page.getByRole("menuitem", { name: /Current view/ }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/^customers_view_\d{8}-\d{4}\.xlsx$/);
  const sheet = readSheet(await download.path());
  expect(sheet.rows).toBe(total);
  expect(sheet.header.split("|")[0]).toBe("User ID");
  expect(sheet.header).toContain("Labels");
  await expect(page.locator(".toast", { hasText: `Exported ${total} rows` })).toBeVisible();
});
