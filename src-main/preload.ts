import type { ElectronPreloadModule } from './shell/electron-types';
import { exposeAtlas } from './shell/preload-api';

/**
 * The preload: sandboxed, context-isolated, bundled as CommonJS. It exposes exactly the contract
 * as `window.atlas` and nothing else (no ipcRenderer, no Node).
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { contextBridge, ipcRenderer } = require('electron') as ElectronPreloadModule;
exposeAtlas(contextBridge, ipcRenderer);
