import type { AtlasApi } from '../../src-main/api/atlas-api';

export type { AtlasApi };
export type {
  CoverageReport,
  DataSplit,
  DatasetEntry,
  DatasetSummary,
  JobInfo,
  LatentSnapshot,
  ModelDetail,
  ModelInfo,
} from '../../src-main/api/records';
export type { EventPayload, Params, Result } from '../../src-main/api/contract';

/**
 * The page's one way to the engine: Electron's preload exposes `window.atlas`; a browser page
 * served by `latent-atlas serve` connects over a WebSocket with the token from its URL. The
 * WebSocket client (and zod with it) is loaded only when needed.
 */
export async function connectApi(): Promise<AtlasApi> {
  const electron = (globalThis as { atlas?: AtlasApi }).atlas;
  if (electron) return electron;
  const { connectAtlas } = await import('../../src-main/api/client-ws');
  return connectAtlas();
}

/** A readable message from anything thrown by an API call. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (error && typeof error === 'object' && 'message' in error)
    return String((error as { message: unknown }).message);
  return String(error);
}
