// Takes screenshots of the demo storefront after a short scripted visit:
//   node examples/screenshot.mjs [OUT_DIR=build/screenshots]
// (home page, a category, a product with its recommendations and the live
// profile, the basket, the home page again once the visitor consented to sync, and after signing in).
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { launchChromium } from '../tests/runtimes/chromium.mjs';
import { startDemo } from './demo.mjs';

const out = resolve(process.argv[2] ?? 'build/screenshots');
mkdirSync(out, { recursive: true });
const server = await startDemo({ port: 0 });
const browser = await launchChromium({ viewport: { width: 1440, height: 1000 } });
try {
  const { page } = browser;
  await page.goto(`${server.url}/`);
  await page.waitForSelector('html[data-ready=true]');
  await page.screenshot({ path: join(out, '1-home.png') });
  await page.click('[data-testid=departments] a:has-text("Home & Kitchen")');
  await page.waitForSelector('[data-testid=grid-category-grid]');
  for (let i = 0; i < 3; i++) {
    await page.click(`[data-testid=grid-category-grid] [data-testid=product-card] >> nth=${i} >> [data-testid=product-link]`);
    await page.waitForSelector('[data-testid=product-detail]');
    if (i === 1) await page.click('[data-testid=add-to-cart]');
    await page.goBack();
    await page.waitForSelector('[data-testid=grid-category-grid]');
  }
  await page.screenshot({ path: join(out, '2-category.png') });
  await page.fill('[data-testid=search-input]', 'sage mug');
  await page.press('[data-testid=search-input]', 'Enter');
  await page.waitForSelector('[data-testid=result-count]');
  await page.click('[data-testid=product-card] >> nth=0 >> [data-testid=product-link]');
  await page.waitForSelector('[data-testid=product-detail]');
  await page.screenshot({ path: join(out, '3-product.png') });
  await page.click('[data-testid=cart-link]');
  await page.waitForSelector('[data-testid=cart-table]');
  await page.screenshot({ path: join(out, '4-basket.png') });
  if (server.sync) await page.click('[data-testid=consent-accept]');
  else console.log(`storefront only: ${server.syncError}`);
  await page.click('.logo');
  await page.waitForSelector('[data-testid=slot-home][data-tailor-state=filled]');
  await page.waitForTimeout(1500); // the first upload
  await page.screenshot({ path: join(out, '5-home-personalized.png') });
  if (server.sync) {
    // Sign in: the anonymous profile continues under the user (identify), the headline keeps its variation rule.
    await page.fill('[data-testid=sign-in-name]', 'Ada');
    await page.click('[data-testid=sign-in]');
    await page.waitForSelector('[data-testid=account]:not([hidden])');
    await page.screenshot({ path: join(out, '6-signed-in.png') });
  }
  if (browser.errors.length) console.error(`page errors: ${browser.errors.join('\n')}`);
  console.log(`screenshots in ${out}`);
} finally {
  await browser.close();
  await server.close();
}
