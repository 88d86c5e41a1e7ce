import { describe, expect, it } from 'vitest';
import {
  connectPrompt,
  isWithinOrigin,
  parseEngineUrl,
  remoteWindowOptions,
} from '../../src-main/shell/remote-engine';

const TOKEN = 'Zx9_-'.repeat(8) + 'abc';

describe('connecting to a remote engine', () => {
  it('takes the URL serve printed, through a tunnel or over https', () => {
    expect(parseEngineUrl(`http://127.0.0.1:8080/?token=${TOKEN}`)).toEqual({
      url: `http://127.0.0.1:8080/?token=${TOKEN}`,
      origin: 'http://127.0.0.1:8080',
    });
    expect(parseEngineUrl(`  http://localhost:9000/?token=${TOKEN}&x=1\n`)).toEqual({
      url: `http://localhost:9000/?token=${TOKEN}`,
      origin: 'http://localhost:9000',
    });
    expect(parseEngineUrl(`http://[::1]:8080/?token=${TOKEN}`)).toMatchObject({
      origin: 'http://[::1]:8080',
    });
    expect(parseEngineUrl(`https://gpu.example.org/?token=${TOKEN}`)).toMatchObject({
      origin: 'https://gpu.example.org',
    });
  });

  it('refuses anything else, saying why', () => {
    const why = (text: string) => (parseEngineUrl(text) as { error: string }).error;
    expect(why('')).toContain('no URL');
    expect(why('hello world')).toContain('other than one URL');
    expect(why('not-a-url')).toContain('is not a URL');
    expect(why(`file:///etc/passwd?token=${TOKEN}`)).toContain('file:');
    expect(why(`javascript:alert(1)//?token=${TOKEN}`)).toContain('javascript:');
    expect(why('http://127.0.0.1:8080/')).toContain('no token');
    expect(why('http://127.0.0.1:8080/?token=short')).toContain('no token');
    expect(why(`http://10.0.0.5:8080/?token=${TOKEN}`)).toContain('unencrypted');
    expect(why(`http://user:pw@127.0.0.1:8080/?token=${TOKEN}`)).toContain('password');
  });

  it('gives the remote page a hardened window without the preload', () => {
    const options = remoteWindowOptions('http://127.0.0.1:8080', { width: 1280, height: 800 });
    expect(options.webPreferences).not.toHaveProperty('preload');
    expect(options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
    expect(options.title).toBe('Latent Atlas — engine at 127.0.0.1:8080');
  });

  it('keeps navigation on the engine origin', () => {
    expect(isWithinOrigin('http://127.0.0.1:8080/x?token=1', 'http://127.0.0.1:8080')).toBe(true);
    expect(isWithinOrigin('http://127.0.0.1:8081/', 'http://127.0.0.1:8080')).toBe(false);
    expect(isWithinOrigin('atlas://app/index.html', 'http://127.0.0.1:8080')).toBe(false);
    expect(isWithinOrigin('nonsense', 'http://127.0.0.1:8080')).toBe(false);
  });

  it('asks before connecting, and explains when there is nothing to connect to', () => {
    const ask = connectPrompt(parseEngineUrl(`http://127.0.0.1:8080/?token=${TOKEN}`));
    expect(ask.buttons).toEqual(['Connect', 'Cancel']);
    expect(ask.message).toBe('Connect to the engine at 127.0.0.1:8080?');
    expect(ask.detail).not.toContain(TOKEN);
    const explain = connectPrompt(parseEngineUrl(''));
    expect(explain.buttons).toEqual(['OK']);
    expect(explain.detail).toContain('latent-atlas serve');
  });
});
