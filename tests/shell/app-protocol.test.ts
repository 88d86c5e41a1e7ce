import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_SCHEME_PRIVILEGES, appResponse } from '../../src-main/shell/app-protocol';

describe('the atlas:// protocol', () => {
  let root: string;
  let renderer: string;
  beforeAll(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'atlas-proto-'));
    renderer = path.join(root, 'renderer');
    mkdirSync(path.join(renderer, 'assets'), { recursive: true });
    writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>app</title>');
    writeFileSync(path.join(renderer, 'assets', 'main.js'), 'export {}');
    writeFileSync(path.join(root, 'secret.txt'), 'secret');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('is registered as a standard, secure scheme', () => {
    expect(APP_SCHEME_PRIVILEGES).toEqual({
      scheme: 'atlas',
      privileges: expect.objectContaining({ standard: true, secure: true }),
    });
  });

  it('serves the page and its assets with the CSP and the right types', async () => {
    const page = await appResponse(new Request('atlas://app/index.html'), renderer);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('content-security-policy')).toMatch(
      /default-src 'none'; script-src 'self'/,
    );
    expect(page.headers.get('content-security-policy')).toContain("connect-src 'self';");
    expect(await page.text()).toContain('<title>app</title>');
    const script = await appResponse(new Request('atlas://app/assets/main.js'), renderer);
    expect(script.headers.get('content-type')).toContain('text/javascript');
  });

  it('refuses other hosts, other methods and paths out of the renderer', async () => {
    expect((await appResponse(new Request('atlas://evil/index.html'), renderer)).status).toBe(404);
    expect(
      (
        await appResponse(
          new Request('atlas://app/index.html', { method: 'POST', body: 'x' }),
          renderer,
        )
      ).status,
    ).toBe(405);
    for (const p of [
      '../secret.txt',
      '%2e%2e/secret.txt',
      '..%2fsecret.txt',
      'assets/%2e%2e%2f%2e%2e%2fsecret.txt',
    ]) {
      const res = await appResponse(new Request(`atlas://app/${p}`), renderer);
      expect(await res.text()).not.toContain('secret');
    }
  });

  it('shows the placeholder when the renderer is missing', async () => {
    const res = await appResponse(new Request('atlas://app/'), path.join(root, 'none'));
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('npm run build');
  });
});
