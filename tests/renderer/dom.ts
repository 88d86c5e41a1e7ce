import { vi } from 'vitest';

/**
 * jsdom has no canvas: give 2D contexts a recording stub (so ImageCanvas draws and tests can see
 * it) and an ImageData class, and leave WebGL absent so the viewer takes its fallback path.
 */
export interface FakeContext2D {
  puts: { width: number; height: number; sum: number }[];
}

class FakeImageData {
  constructor(
    readonly data: Uint8ClampedArray,
    readonly width: number,
    readonly height: number,
  ) {}
}

export function installCanvasStubs(): void {
  if (!('ImageData' in globalThis))
    (globalThis as Record<string, unknown>).ImageData = FakeImageData;
  if (!('ResizeObserver' in globalThis)) {
    (globalThis as Record<string, unknown>).ResizeObserver = class {
      observe(): void {}
      unobserve(): void {}
      disconnect(): void {}
    };
  }
  const contexts = new WeakMap<HTMLCanvasElement, unknown>();
  vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockImplementation(function (
    this: HTMLCanvasElement,
    kind: string,
  ) {
    if (kind !== '2d') return null;
    let ctx = contexts.get(this);
    if (!ctx) {
      const puts: FakeContext2D['puts'] = [];
      ctx = new Proxy(
        { puts },
        {
          get(target, prop) {
            if (prop === 'puts') return target.puts;
            if (prop === 'putImageData') {
              return (img: FakeImageData) =>
                puts.push({
                  width: img.width,
                  height: img.height,
                  sum: img.data.reduce((a, b) => a + b, 0),
                });
            }
            return () => {};
          },
          set() {
            return true;
          },
        },
      );
      contexts.set(this, ctx);
    }
    return ctx as RenderingContext;
  } as typeof HTMLCanvasElement.prototype.getContext);
}

/** The recorded putImageData calls of a canvas drawn by ImageCanvas. */
export function drawsOf(canvas: Element): FakeContext2D['puts'] {
  return ((canvas as HTMLCanvasElement).getContext('2d') as unknown as FakeContext2D).puts;
}

/** Lets pending promises and Svelte effects settle. */
export async function settle(times = 5): Promise<void> {
  for (let i = 0; i < times; i++) await new Promise((r) => setTimeout(r, 0));
}
