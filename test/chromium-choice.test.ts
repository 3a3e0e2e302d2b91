import { test } from 'tap'
import { SYSTEM_CHROMIUM, chooseChromium } from './helpers/chromium'

// The browser tests (openapi-ui, cors-browser) need no system Chromium: without one they use the
// binary of the @sparticuz/chromium devDependency. FAM_CHROMIUM forces either.
test('the browser tests use the system Chromium when there is one, otherwise the npm one', async (t) => {
  t.equal(chooseChromium('auto', '/nonexistent/chromium'), 'npm', 'no system Chromium: the npm one')
  t.equal(chooseChromium('', '/nonexistent/chromium'), 'npm')
  t.equal(chooseChromium('auto', process.execPath), 'system', 'a system Chromium is preferred')
  t.equal(chooseChromium('npm', process.execPath), 'npm', 'FAM_CHROMIUM=npm forces the npm one')
  t.equal(chooseChromium('system', '/nonexistent/chromium'), 'system', 'FAM_CHROMIUM=system forces the system one (and fails if missing)')
  t.throws(() => chooseChromium('chrome'), /FAM_CHROMIUM must be auto, system or npm/)
  t.equal(SYSTEM_CHROMIUM, '/usr/bin/chromium')
})
