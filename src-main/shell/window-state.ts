import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Rectangle } from './electron-types';

export const WindowState = z.object({
  width: z.number().int().min(400).max(16384),
  height: z.number().int().min(300).max(16384),
  x: z.number().int().optional(),
  y: z.number().int().optional(),
  maximized: z.boolean().default(false),
});
export type WindowState = z.infer<typeof WindowState>;

export const DEFAULT_WINDOW: WindowState = { width: 1280, height: 820, maximized: false };

/** The remembered window size and place, or the default when none (or a broken file) is stored. */
export function loadWindowState(file: string): WindowState {
  try {
    return WindowState.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    return { ...DEFAULT_WINDOW };
  }
}

export function saveWindowState(file: string, state: WindowState): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify(state));
  renameSync(tmp, file);
}

/**
 * Drops a remembered position that no display shows any more (a monitor unplugged since), so the
 * window never opens off-screen; the size is kept within the largest display.
 */
export function fitToDisplays(state: WindowState, workAreas: Rectangle[]): WindowState {
  if (workAreas.length === 0) return state;
  const maxWidth = Math.max(...workAreas.map((a) => a.width));
  const maxHeight = Math.max(...workAreas.map((a) => a.height));
  const width = Math.min(state.width, maxWidth);
  const height = Math.min(state.height, maxHeight);
  const fitted: WindowState = { width, height, maximized: state.maximized };
  if (state.x === undefined || state.y === undefined) return fitted;
  const visible = workAreas.some((a) => {
    const overlapX = Math.min(state.x! + width, a.x + a.width) - Math.max(state.x!, a.x);
    const overlapY = Math.min(state.y! + height, a.y + a.height) - Math.max(state.y!, a.y);
    return overlapX >= 100 && overlapY >= 50;
  });
  return visible ? { ...fitted, x: state.x, y: state.y } : fitted;
}
