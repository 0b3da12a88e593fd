// The widget in a real browser, on the demo page of a real server (see
// server/browser_test.go for the servers and the scripted model's answers).
import { test, expect } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const LIMITED = process.env.CAUSERIE_LIMITED_URL;
const AGENT_KEY = process.env.CAUSERIE_AGENT_KEY;
const screenshots = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'screenshots');

// The widget's parts, as a visitor (and a screen reader) finds them.
const launcher = (page, name = 'Ouvrir la discussion') => page.getByRole('button', { name });
const input = (page, name = 'Votre message') => page.getByRole('textbox', { name });
const banner = (page) => page.locator('[data-causerie-widget] .banner');
const visitorSent = (page) => page.locator('.msg[data-role=visitor][data-message-id]');
const reply = (page, text) => page.locator('.msg[data-role=ai_agent][data-message-id]').filter({ hasText: text });

async function openDemo(page, url = '/demo/salon') {
  await page.goto(url);
  await launcher(page).click();
  await expect(page.getByRole('dialog', { name: 'Discutons' })).toBeVisible();
}

async function say(page, text) {
  await input(page).fill(text);
  await input(page).press('Enter');
}

// screenshot saves a picture for the README when CAUSERIE_SCREENSHOTS is
// set (make screenshots); the tests themselves never write into docs/.
async function screenshot(page, name) {
  if (!process.env.CAUSERIE_SCREENSHOTS) return;
  mkdirSync(screenshots, { recursive: true });
  await page.screenshot({ path: join(screenshots, name) });
}

test('a reply streams in, a human takes over, and the conversation survives a reload', async ({ page }) => {
  await openDemo(page);
  await say(page, 'Bonjour');
  const greeting = reply(page, 'Que puis-je faire pour vous');
  await expect(greeting).toHaveCount(1);
  // It came token by token: the stored message replaced a bubble fed by
  // the stream's deltas.
  expect(Number(await greeting.getAttribute('data-deltas'))).toBeGreaterThanOrEqual(5);
  await expect(visitorSent(page)).toHaveCount(1);

  await say(page, 'Je voudrais parler à un conseiller');
  await expect(reply(page, 'Marie Dubois')).toHaveCount(1);
  await expect(page.locator('.notice[data-notice=assigned]')).toHaveText('Un membre de l’équipe prend le relais et vous répond ici.');
  await screenshot(page, 'widget-desktop.png');

  await page.reload();
  await expect(page.getByRole('dialog', { name: 'Discutons' })).toBeVisible(); // it stays open across pages
  await expect(visitorSent(page)).toHaveText(['Bonjour', 'Je voudrais parler à un conseiller'].map((t) => new RegExp(t)));
  await expect(reply(page, 'Que puis-je faire pour vous')).toHaveCount(1);
  await expect(reply(page, 'Marie Dubois')).toHaveCount(1);
  await expect(page.locator('.notice[data-notice=assigned]')).toHaveCount(1);
});

test('after a network drop, the reply that arrived meanwhile shows exactly once', async ({ page, context }) => {
  await openDemo(page);
  await say(page, 'Bonjour');
  await expect(reply(page, 'Que puis-je faire pour vous')).toHaveCount(1);
  const resumed = [];
  page.on('request', (r) => {
    if (r.url().includes('/events')) resumed.push(r.headers()['last-event-id'] || '');
  });

  await say(page, 'Un peu de patience, merci'); // the model takes 2.5 s
  await expect(visitorSent(page)).toHaveCount(2); // stored before the drop
  await context.setOffline(true);
  await expect(page.getByRole('status')).toHaveText('Connexion perdue, reconnexion…');
  await page.waitForTimeout(3000); // the reply is stored meanwhile
  await expect(reply(page, 'voici enfin ma réponse')).toHaveCount(0);
  await context.setOffline(false);

  await expect(reply(page, 'voici enfin ma réponse')).toHaveCount(1);
  await expect(page.getByRole('status')).toBeHidden();
  await page.waitForTimeout(500);
  await expect(page.locator('.msg[data-role=ai_agent]').filter({ hasText: 'voici enfin ma réponse' })).toHaveCount(1);
  await expect(visitorSent(page)).toHaveCount(2);
  expect(resumed.length).toBeGreaterThan(0);
  expect(resumed.at(-1)).toMatch(/^\d+$/); // it resumed with Last-Event-ID
});

test('a message sent while offline waits, then goes once the network is back', async ({ page, context }) => {
  await openDemo(page);
  await say(page, 'Bonjour');
  await expect(reply(page, 'Que puis-je faire pour vous')).toHaveCount(1);
  await context.setOffline(true);
  await say(page, 'Envoyé hors ligne');
  await expect(page.locator('.msg[data-role=visitor][data-state=waiting]')).toHaveCount(1);
  await expect(banner(page)).toHaveText(/En attente du réseau|injoignable/);
  await context.setOffline(false);
  await expect(visitorSent(page)).toHaveCount(2);
  await expect(banner(page)).toBeHidden();
  await expect(reply(page, 'Que puis-je faire pour vous')).toHaveCount(2);
});

test('429: the widget says to wait, then sends everything on its own', async ({ page }) => {
  // This server lets a visitor make 2 requests at once, then 1 a second.
  await openDemo(page, LIMITED + '/demo/salon');
  for (const text of ['Un', 'Deux', 'Trois', 'Quatre']) await say(page, text);
  await expect(banner(page)).toHaveAttribute('data-error', 'rate');
  await expect(banner(page)).toHaveText(/^Trop de messages d’un coup : nouvel essai dans \d+ s\./);
  await expect(visitorSent(page)).toHaveText([/Un/, /Deux/, /Trois/, /Quatre/], { timeout: 15_000 });
  await expect(banner(page)).toBeHidden();
  await expect(page.locator('.msg[data-role=visitor]')).toHaveCount(4); // none twice
});

test('a server that is down: a clear message, and recovery without a reload', async ({ page }) => {
  await openDemo(page);
  await page.route('**/v1/**', (route) => route.abort('connectionrefused'));
  await say(page, 'Bonjour');
  await expect(banner(page)).toContainText('Le serveur est injoignable. Nouvel essai automatique…');
  await expect(page.locator('.msg[data-role=visitor][data-state=waiting]')).toHaveCount(1);
  await page.unroute('**/v1/**');
  await banner(page).getByRole('button', { name: 'Réessayer' }).click();
  await expect(visitorSent(page)).toHaveCount(1);
  await expect(banner(page)).toBeHidden();
  await expect(reply(page, 'Que puis-je faire pour vous')).toHaveCount(1);
});

test('another site: allowed by the workspace it chats, refused or misconfigured it says so', async ({ page }) => {
  // Pages of other origins (other loopback ports) with the widget tag,
  // pointing at the server; the workspace's widget_origins lists the first.
  await openDemo(page, process.env.CAUSERIE_ALLOWED_SITE);
  await say(page, 'Bonjour');
  await expect(reply(page, 'Que puis-je faire pour vous')).toHaveCount(1);
  await expect(visitorSent(page)).toHaveCount(1);

  // Refused: the browser hides the server's answer; the widget tells it
  // from a server that is down. So does a tag naming a workspace the
  // server does not have (its 404 carries no CORS headers either).
  for (const site of [process.env.CAUSERIE_REFUSED_SITE, process.env.CAUSERIE_ALLOWED_SITE + '?workspace=nope']) {
    await openDemo(page, site);
    await say(page, 'Bonjour');
    await expect(banner(page)).toHaveAttribute('data-error', 'origin');
    await expect(banner(page)).toContainText('Ce chat n’est pas autorisé sur ce site : le serveur refuse son origine (ou ne connaît pas cet espace de travail).');
    await expect(page.locator('.msg[data-role=visitor][data-state=failed]')).toHaveCount(1);
  }
});

test('the widget follows the page language, English and French', async ({ page }) => {
  await page.goto('/demo/salon?lang=en');
  await launcher(page, 'Open the chat').click();
  await expect(page.getByRole('dialog', { name: 'Chat with us' })).toBeVisible();
  await expect(input(page, 'Your message')).toHaveAttribute('placeholder', 'Write your message…');
  await input(page, 'Your message').fill('Bonjour');
  await input(page, 'Your message').press('Enter');
  await expect(reply(page, 'Que puis-je faire pour vous')).toHaveCount(1); // messages keep their language

  await page.getByRole('button', { name: 'FR', exact: true }).click(); // the demo page's switch sets <html lang>
  await expect(page.getByRole('dialog', { name: 'Discutons' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Fermer la discussion' }).first()).toBeVisible();
  await expect(input(page)).toHaveAttribute('placeholder', 'Écrivez votre message…');
  await expect(page.getByRole('button', { name: 'Envoyer' })).toBeVisible();
});

test('at 360 px wide the panel fills the screen and nothing overflows', async ({ page }) => {
  await page.setViewportSize({ width: 360, height: 740 });
  await openDemo(page);
  await say(page, 'je voudrais un rendez-vous');
  await expect(page.getByRole('group', { name: 'Choix proposés' })).toBeVisible();
  const box = await page.getByRole('dialog').boundingBox();
  expect(box).toEqual({ x: 0, y: 0, width: 360, height: 740 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(overflow).toBeLessThanOrEqual(360);
  for (const el of await page.locator('.panel button, .panel textarea').all()) {
    const b = await el.boundingBox();
    if (b) expect(b.x + b.width).toBeLessThanOrEqual(360);
  }
  await screenshot(page, 'widget-mobile.png');
});

test('keyboard only: open, write, send, choose, close', async ({ page }) => {
  await page.goto('/demo/salon');
  const open = page.locator('.launcher'); // its name says what it does: open, then close
  await expect(open).toHaveAccessibleName('Ouvrir la discussion');
  await open.focus();
  await page.keyboard.press('Enter');
  await expect(open).toHaveAttribute('aria-expanded', 'true');
  await expect(open).toHaveAccessibleName('Fermer la discussion');
  await expect(input(page)).toBeFocused();
  await page.keyboard.type('je voudrais un rendez-vous');
  await page.keyboard.press('Enter');
  const choices = page.getByRole('group', { name: 'Choix proposés' });
  await expect(choices.getByRole('button')).toHaveText(['Coupe', 'Coloration']);
  await choices.getByRole('button', { name: 'Coupe' }).focus();
  await page.keyboard.press('Enter');
  await expect(visitorSent(page).last()).toHaveText(/Coupe/);
  await expect(choices).toHaveCount(0); // answered: the buttons go
  await expect(reply(page, 'longueur de vos cheveux')).toHaveCount(1);
  await input(page).focus();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog')).toBeHidden();
  await expect(open).toBeFocused();
  await expect(open).toHaveAttribute('aria-expanded', 'false');
  // Roles a screen reader relies on.
  await open.press('Enter');
  await expect(page.getByRole('log', { name: 'Messages de la discussion' })).toBeVisible();
});

test('a flow question shows its options as buttons, a redirect as a link, citations as links', async ({ page }) => {
  await openDemo(page);
  await say(page, 'Je cherche le plan d’accès du salon');
  const link = page.locator('a.redirect');
  await expect(link).toHaveAttribute('href', 'https://salon-elegance.example/acces');
  await expect(link).toHaveAttribute('target', '_blank');
  await expect(link).toContainText('Ouvrir le lien');

  await say(page, 'Quels sont vos tarifs ?');
  const cited = reply(page, 'Une coupe femme');
  await expect(cited).toHaveCount(1);
  const source = cited.locator('.sources a').first();
  await expect(source).toHaveAttribute('href', /^https:\/\/salon-elegance\.example\//);
  await expect(source).toContainText('[1]');
  await expect(cited.locator('.bubble a.cite')).toHaveText('[1]');
});

test('voice: a recording from the microphone, and an attached file', async ({ page, context }) => {
  await context.grantPermissions(['microphone']);
  await openDemo(page);
  await page.getByRole('button', { name: 'Enregistrer un message vocal' }).click();
  const stop = page.getByRole('button', { name: 'Arrêter et envoyer l’enregistrement' });
  await expect(stop).toBeFocused();
  await expect(page.locator('.recorder .time')).toHaveText(/Enregistrement… 0:0[1-9]/);
  await stop.click();
  const voice = visitorSent(page).filter({ hasText: 'ceci est mon message vocal' }); // its transcript
  await expect(voice).toHaveCount(1);
  await expect(voice.locator('.attachment')).toHaveText('Message vocal');
  await expect(reply(page, 'bien reçu votre message vocal')).toHaveCount(1);

  const file = page.locator('input[type=file]');
  await file.setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('pas du son') });
  await expect(banner(page)).toHaveAttribute('data-error', 'format');
  await file.setInputFiles({ name: 'note.webm', mimeType: 'audio/webm', buffer: Buffer.from('RIFF....WEBMfake audio bytes') });
  await expect(visitorSent(page).filter({ has: page.locator('.attachment') })).toHaveCount(2);
  await expect(reply(page, 'bien reçu votre message vocal')).toHaveCount(2);
});

// The inbox page (web/inbox/): a human agent signs in, answers, and the
// visitor's widget shows it.
test('inbox: a human agent answers, and the reply reaches the visitor’s widget', async ({ page, browser, baseURL }) => {
  const probe = await page.request.get('/inbox/');
  expect(probe.status()).toBe(200);

  await openDemo(page);
  await say(page, 'Je voudrais parler à un conseiller');
  await expect(page.locator('.notice[data-notice=assigned]')).toHaveCount(1);
  const conv = await page.evaluate(() => {
    for (let i = 0; i < localStorage.length; i++) {
      const k = localStorage.key(i);
      if (k.startsWith('causerie:')) return JSON.parse(localStorage.getItem(k)).id;
    }
    return '';
  });
  expect(conv).toMatch(/^conv_/);

  const agent = await browser.newContext({ baseURL });
  const inbox = await agent.newPage();
  await inbox.goto('/inbox/');
  await inbox.locator('input[data-testid=key]').fill(AGENT_KEY);
  await inbox.locator('button[data-testid=signin]').click();
  await inbox.locator('[data-filter=me]').click();
  await inbox.locator(`[data-testid=conversations] [data-conversation-id="${conv}"]`).click();
  await expect(inbox.locator('[data-testid=messages] [data-role=visitor]')).toContainText(['Je voudrais parler à un conseiller']);
  await inbox.locator('textarea[data-testid=reply]').fill('Bonjour, ici Marie. Que puis-je faire pour vous ?');
  await inbox.locator('button[data-testid=send]').click();
  await expect(inbox.locator('[data-testid=messages] [data-role=human]')).toContainText(['ici Marie']);

  const human = page.locator('.msg[data-role=human]').filter({ hasText: 'ici Marie' });
  await expect(human).toHaveCount(1);
  await expect(human.locator('.author')).toHaveText('Conseiller');
  await agent.close();
});
