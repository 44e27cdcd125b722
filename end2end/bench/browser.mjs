// Time to interactive and search-as-you-type, measured in Debian's headless Chromium
// (a benchmark, not a test: numbers go to BENCHMARKS.md). scripts/bench-browser.sh starts
// the release server on the benchmark's database and runs this with:
//   BENCH_BASE_URL, BENCH_EMAIL, BENCH_PASSWORD  (a staff account on that server)
//   BENCH_COLD_RUNS (default 20), BENCH_KEYS (default 60)
//
// 1. Cold load: a new browser context each time (empty cache, no connection reuse), signed
//    in; from navigation start to the page being hydrated (body[data-hydrated]), with the
//    transfer sizes of the wasm, JavaScript and CSS.
// 2. Keystroke -> matching rows painted: in a hydrated list, one character typed into the
//    search box at a time; from the key press until the table holds the new search's rows at
//    an animation frame (checked every frame; the search pause included).
import { chromium } from "@playwright/test";

const base = process.env.BENCH_BASE_URL ?? "http://127.0.0.1:3200";
const email = process.env.BENCH_EMAIL;
const password = process.env.BENCH_PASSWORD;
const coldRuns = Number(process.env.BENCH_COLD_RUNS ?? 20);
const keys = Number(process.env.BENCH_KEYS ?? 60);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
});

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)];
};
const ms = (x) => x.toFixed(0);

async function signedInContext() {
  const context = await browser.newContext({ baseURL: base });
  const res = await context.request.post("/auth/login", {
    form: { email, password, next: "/customers" },
    headers: { accept: "application/json" },
  });
  if (!res.ok()) throw new Error(`sign-in failed: ${res.status()}`);
  return context;
}

// 1. Cold loads.
const tti = [];
let transfer = null;
for (let i = 0; i < coldRuns; i++) {
  const context = await signedInContext();
  const page = await context.newPage();
  await page.goto("/customers", { waitUntil: "commit" });
  const at = await page.waitForFunction(
    () => document.body?.dataset.hydrated === "true" && performance.now(),
    null,
    { polling: "raf", timeout: 30_000 },
  );
  tti.push(await at.jsonValue());
  if (transfer === null) {
    transfer = await page.evaluate(() =>
      performance
        .getEntriesByType("resource")
        .filter((e) => /\/pkg\//.test(e.name))
        .map((e) => ({ file: e.name.split("/").pop(), bytes: e.transferSize, decoded: e.decodedBodySize })),
    );
  }
  await context.close();
}

// 2. Keystrokes.
const context = await signedInContext();
const page = await context.newPage();
await page.goto("/customers");
await page.waitForFunction(() => document.body?.dataset.hydrated === "true");
const words = ["santos", "reyes", "cruz", "garcia", "mendoza", "ramos", "johnson", "nguyen"];
const typing = [];
const box = page.locator("input.search");
outer: for (const word of words) {
  await box.fill("");
  await page.waitForTimeout(400);
  for (let n = 1; n <= word.length; n++) {
    if (typing.length >= keys) break outer;
    const wanted = word.slice(0, n);
    // The rows before the key; the load is done when the URL carries the new search and the
    // table shows other rows, or the list went pending and back (the same rows again).
    const before = await page.evaluate(() => {
      window.__sawPending = false;
      const pending = document.querySelector("span.pending");
      window.__pendingWatch?.disconnect();
      window.__pendingWatch = new MutationObserver(() => {
        if ((pending?.textContent ?? "") !== "") window.__sawPending = true;
      });
      if (pending) window.__pendingWatch.observe(pending, { childList: true, subtree: true, characterData: true });
      return document.querySelector("table.data-table tbody")?.innerText ?? "";
    });
    const t0 = await page.evaluate(() => performance.now());
    await box.press(wanted[n - 1]);
    const t1 = await page.waitForFunction(
      ({ before, wanted }) => {
        const text = document.querySelector("table.data-table tbody")?.innerText ?? "";
        const pending = document.querySelector("span.pending")?.textContent ?? "";
        const url = new URL(location.href);
        if ((url.searchParams.get("q") ?? "") !== wanted || pending !== "") return false;
        if (text === before && !window.__sawPending) return false;
        return performance.now();
      },
      { before, wanted },
      { polling: "raf", timeout: 10_000 },
    ).catch(() => null);
    if (t1 === null) continue; // the same rows as before (nothing to paint): not a sample
    typing.push((await t1.jsonValue()) - t0);
  }
}
await browser.close();

console.log(`| cold load to hydrated (${coldRuns} runs) | p50 ${ms(pct(tti, 0.5))} ms | p95 ${ms(pct(tti, 0.95))} ms | max ${ms(Math.max(...tti))} ms |`);
console.log(`| keystroke to rows painted (${typing.length} keys, search pause included) | p50 ${ms(pct(typing, 0.5))} ms | p95 ${ms(pct(typing, 0.95))} ms | max ${ms(Math.max(...typing))} ms |`);
for (const t of transfer ?? []) console.log(`| ${t.file} | ${t.bytes} bytes over the wire | ${t.decoded} decoded |`);
