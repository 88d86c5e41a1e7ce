import { colorsFromLabels } from '../src-renderer/lib/colors';
import { createRng } from '../src-renderer/lib/rng';
import { PointCloudViewer } from '../src-renderer/viewer/PointCloudViewer';

/**
 * The viewer alone, for bench/viewer.ts: n points in ten Gaussian clusters, the production
 * shader and picking pass, frames drawn and waited for on demand.
 */
const canvas = document.getElementById('c') as HTMLCanvasElement;
const viewer = PointCloudViewer.create(canvas);

function cloud(n: number): { positions: Float32Array; colors: Uint8Array } {
  const rng = createRng(1);
  const positions = new Float32Array(n * 3);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const l = i % 10;
    labels[i] = l;
    const a = (l / 10) * Math.PI * 2;
    positions[i * 3] = Math.cos(a) * 1.5 + rng.normal() * 0.35;
    positions[i * 3 + 1] = Math.sin(a) * 1.5 + rng.normal() * 0.35;
    positions[i * 3 + 2] = rng.normal() * 0.5;
  }
  return { positions, colors: colorsFromLabels(labels, n) };
}

let angle = 0;

const bench = {
  webgl: viewer !== null,
  renderer: viewer
    ? (viewer.renderer.getContext().getParameter(viewer.renderer.getContext().VERSION) as string)
    : 'none',
  setup(n: number): number {
    const t = performance.now();
    const { positions, colors } = cloud(n);
    viewer!.setPoints(positions, colors, false);
    viewer!.fit();
    viewer!.renderSync();
    return performance.now() - t;
  },
  /** One frame after an orbit step, waited for (readPixels): ms. */
  frame(): number {
    angle += 0.02;
    const cam = viewer!.camera;
    const r = Math.hypot(cam.position.x, cam.position.z);
    cam.position.x = r * Math.cos(angle);
    cam.position.z = r * Math.sin(angle);
    cam.lookAt(viewer!.controls.target);
    return viewer!.renderSync();
  },
  /** Frames per second of a continuous requestAnimationFrame loop over `ms`. */
  async loop(ms: number): Promise<number[]> {
    const intervals: number[] = [];
    let last = performance.now();
    const end = last + ms;
    await new Promise<void>((resolve) => {
      const tick = (now: number) => {
        intervals.push(now - last);
        last = now;
        bench.frame();
        if (now < end) requestAnimationFrame(tick);
        else resolve();
      };
      requestAnimationFrame(tick);
    });
    return intervals.slice(1);
  },
  pick(): number {
    const rect = canvas.getBoundingClientRect();
    const t = performance.now();
    viewer!.pick(rect.left + rect.width / 2, rect.top + rect.height / 2);
    return performance.now() - t;
  },
  /** A training epoch's update: new positions gliding from the old (upload cost). */
  transition(n: number): number {
    const { positions, colors } = cloud(n);
    for (let i = 0; i < positions.length; i++) positions[i] *= 1.05;
    const t = performance.now();
    viewer!.setPoints(positions, colors, true);
    viewer!.renderSync();
    return performance.now() - t;
  },
};

(window as unknown as { viewerBench: typeof bench }).viewerBench = bench;
