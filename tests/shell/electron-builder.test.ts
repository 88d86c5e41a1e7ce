import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
const require = createRequire(import.meta.url);
// electron-builder's own YAML reader (a dependency of the electron-builder dev dependency).
const yaml = require('js-yaml') as { load(text: string): unknown };

describe('electron-builder.yml', () => {
  const config = yaml.load(readFileSync(path.join(root, 'electron-builder.yml'), 'utf8')) as Record<
    string,
    unknown
  >;

  it("passes electron-builder's own schema", async () => {
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
      validateConfiguration(config: unknown, logger: unknown): Promise<void>;
    };
    const { DebugLogger } = require('builder-util') as {
      DebugLogger: new (enabled: boolean) => unknown;
    };
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
  });

  it('targets AppImage and deb, dmg and nsis', () => {
    expect((config.linux as { target: string[] }).target).toEqual(['AppImage', 'deb']);
    expect((config.mac as { target: string[] }).target).toEqual(['dmg']);
    expect((config.win as { target: string[] }).target).toEqual(['nsis']);
  });

  it('unpacks native TensorFlow.js, sharp and .wasm files, and ships resources beside the archive', () => {
    expect(config.asarUnpack).toEqual(
      expect.arrayContaining([
        '**/*.node',
        '**/*.wasm',
        '**/node_modules/@tensorflow/tfjs-node/**',
      ]),
    );
    expect(config.extraResources).toEqual([
      expect.objectContaining({ from: 'resources', to: '.' }),
    ]);
    expect(config.files).toEqual(expect.arrayContaining(['package.json', 'dist/**/*']));
  });
});
