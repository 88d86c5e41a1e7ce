import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';

const ELECTRON = ['electron', 'electron/*'];
const UI = ['svelte', 'svelte/*', 'three', 'three/*'];
const NODE_ONLY = ['node:*', 'ws', 'sharp', '@tensorflow/*'];
/** The folders that are processes or transports: nothing below them may import them. */
const PROCESS_LAYERS = ['host', 'server', 'shell', 'cli', 'access', 'web'];

/** `folder` may import no module of the sibling folders `layers`, nor the packages `packages`. */
function layer(folder, layers, packages) {
  return [
    {
      files: [`${folder}/**/*.ts`],
      rules: {
        'no-restricted-imports': [
          'error',
          {
            patterns: [
              ...layers.map((name) => ({
                group: [`../${name}`, `../${name}/*`, `../../${name}/*`, `../../../${name}/*`],
                message: `${folder} may not import src-main/${name} (docs/architecture.md)`,
              })),
              { group: ['**/src-renderer/*'], message: 'src-main never imports the page' },
              ...(packages.length
                ? [{ group: packages, message: `${folder} may not import ${packages.join(', ')}` }]
                : []),
            ],
          },
        ],
      },
    },
  ];
}

export default tseslint.config(
  { ignores: ['node_modules', 'dist', 'resources', 'test-results', 'bench/results'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs['flat/recommended'],
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
  },
  // Layers (docs/architecture.md): each folder names what it may not import. Shared modules are
  // browser-safe maths and schemas; the engine knows no process, transport or window; the
  // contract knows no engine; the page reaches the engine only through the contract.
  ...layer('src-main/shared', ['engine', 'api', ...PROCESS_LAYERS], [...NODE_ONLY, ...UI]),
  ...layer('src-main/engine', ['api', ...PROCESS_LAYERS], [...ELECTRON, 'ws', ...UI]),
  ...layer('src-main/api', ['engine', ...PROCESS_LAYERS], [...ELECTRON, ...UI]),
  ...layer('src-main/access', ['host', 'server', 'shell', 'cli', 'web'], [...ELECTRON, ...UI]),
  ...layer('src-main/web', ['engine', 'host', 'server', 'shell', 'cli'], [...ELECTRON, ...UI]),
  ...layer('src-main/host', ['server', 'shell', 'cli', 'access', 'web'], [...ELECTRON, ...UI]),
  ...layer('src-main/server', ['shell', 'cli'], [...ELECTRON, ...UI]),
  ...layer('src-main/shell', ['server', 'cli'], UI),
  ...layer('src-main/cli', ['shell'], [...ELECTRON, ...UI]),
  {
    // The page: only the contract (src-main/api) and the shared maths, never Node or Electron.
    files: ['src-renderer/**/*.ts', 'src-renderer/**/*.svelte'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/src-main/*', '!**/src-main/api', '!**/src-main/shared'],
              message:
                'the page reaches the engine only through src-main/api (and src-main/shared)',
            },
            { group: [...NODE_ONLY, ...ELECTRON], message: 'the page runs in a browser' },
          ],
        },
      ],
    },
  },
);
