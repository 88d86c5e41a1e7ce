import {
  AdditiveBlending,
  BufferAttribute,
  BufferGeometry,
  Color,
  Float32BufferAttribute,
  LineBasicMaterial,
  LineSegments,
  Matrix4,
  NearestFilter,
  PerspectiveCamera,
  Plane,
  Points,
  Raycaster,
  Scene,
  ShaderMaterial,
  Sphere,
  UnsignedByteType,
  Vector2,
  Vector3,
  WebGLRenderTarget,
  WebGLRenderer,
} from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import type { ScreenCamera } from '../lib/selection/lasso';
import {
  markerFragment,
  markerVertex,
  pickFragment,
  pointsFragment,
  pointsVertex,
} from './shaders';

/**
 * The 3D point cloud, readable top to bottom: one scene, one `Points` draw with a custom shader,
 * a second scene for GPU picking, a few overlays (unit sphere, hole markers, selection rings).
 * It renders on demand: a frame is drawn only when something changed (camera, data, colours,
 * an animation in progress), never in a busy loop.
 *
 * Nothing here is reactive: the Svelte component owns one instance in a plain variable.
 */
export interface ViewerCallbacks {
  /** Called after each drawn frame with its CPU time in milliseconds. */
  onFrame?: (ms: number) => void;
}

const TRANSITION_MS = 700;
const PICK_SIZE = 9;

export class PointCloudViewer {
  readonly renderer: WebGLRenderer;
  readonly camera: PerspectiveCamera;
  readonly controls: OrbitControls;
  private readonly scene = new Scene();
  private readonly pickScene = new Scene();
  private readonly geometry = new BufferGeometry();
  private readonly material: ShaderMaterial;
  private readonly pickMaterial: ShaderMaterial;
  private readonly points: Points;
  private readonly pickPoints: Points;
  private readonly pickTarget = new WebGLRenderTarget(PICK_SIZE, PICK_SIZE, {
    type: UnsignedByteType,
    minFilter: NearestFilter,
    magFilter: NearestFilter,
    depthBuffer: true,
  });
  private readonly pickBuffer = new Uint8Array(PICK_SIZE * PICK_SIZE * 4);
  private readonly sphereWire: LineSegments;
  private readonly holes: Points;
  private readonly selection: Points;
  private readonly neighbours: Points;
  private readonly target: Points;
  private count = 0;
  private frameRequested = false;
  private animationStart = -1;
  private disposed = false;
  private resizeObserver: ResizeObserver | null = null;
  private pointSize = 3;
  /** Frames drawn so far (tests and benchmarks read it). */
  frames = 0;
  lastFrameMs = 0;

  /** A viewer on `canvas`, or null where WebGL is missing (jsdom, blocked GPUs). */
  static create(
    canvas: HTMLCanvasElement,
    callbacks: ViewerCallbacks = {},
  ): PointCloudViewer | null {
    if (
      typeof WebGL2RenderingContext === 'undefined' &&
      typeof WebGLRenderingContext === 'undefined'
    ) {
      return null;
    }
    try {
      return new PointCloudViewer(canvas, callbacks);
    } catch (error) {
      console.warn('WebGL viewer unavailable:', error);
      return null;
    }
  }

  private constructor(
    readonly canvas: HTMLCanvasElement,
    private readonly callbacks: ViewerCallbacks,
  ) {
    // preserveDrawingBuffer lets screenshots and pixel checks read the canvas after a frame.
    this.renderer = new WebGLRenderer({ canvas, antialias: false, preserveDrawingBuffer: true });
    this.renderer.setPixelRatio(Math.min(globalThis.devicePixelRatio || 1, 2));
    this.renderer.setClearColor(new Color('#0f1115'), 1);

    this.camera = new PerspectiveCamera(45, 1, 0.01, 1000);
    this.camera.position.set(2.4, 1.6, 3.2);
    this.controls = new OrbitControls(this.camera, canvas);
    this.controls.enableDamping = true;
    this.controls.dampingFactor = 0.12;
    this.controls.addEventListener('change', () => this.requestRender());

    const uniforms = {
      uProgress: { value: 1 },
      uSize: { value: 3 },
      uPixelRatio: { value: this.renderer.getPixelRatio() },
      uOpacity: { value: 0.9 },
      uMinPickSize: { value: 0 },
      uDim: { value: 0 },
    };
    this.material = new ShaderMaterial({
      uniforms,
      vertexShader: pointsVertex,
      fragmentShader: pointsFragment,
      transparent: false,
      depthTest: true,
    });
    this.pickMaterial = new ShaderMaterial({
      uniforms: { ...uniforms, uMinPickSize: { value: 6 } },
      vertexShader: pointsVertex,
      fragmentShader: pickFragment,
    });
    this.points = new Points(this.geometry, this.material);
    this.points.frustumCulled = false;
    this.pickPoints = new Points(this.geometry, this.pickMaterial);
    this.pickPoints.frustumCulled = false;
    this.scene.add(this.points);
    this.pickScene.add(this.pickPoints);

    this.sphereWire = makeSphereWire();
    this.sphereWire.visible = false;
    this.scene.add(this.sphereWire);

    this.holes = makeMarkers('#ff9e64', 11, 0.62);
    this.selection = makeMarkers('#ffffff', 18, 0.6);
    this.neighbours = makeMarkers('#9ecbff', 11, 0.55);
    this.target = makeMarkers('#5eead4', 20, 0.35);
    for (const m of [this.holes, this.selection, this.neighbours, this.target]) this.scene.add(m);

    this.setPoints(new Float32Array(0), new Uint8Array(0), false);
    const parent = canvas.parentElement;
    if (parent && typeof ResizeObserver !== 'undefined') {
      this.resizeObserver = new ResizeObserver(() => this.resize());
      this.resizeObserver.observe(parent);
    }
    this.resize();
  }

  get pointCount(): number {
    return this.count;
  }

  /** Sizes the drawing buffer to the canvas's CSS box. */
  resize(): void {
    const w = Math.max(1, this.canvas.clientWidth || this.canvas.width);
    const h = Math.max(1, this.canvas.clientHeight || this.canvas.height);
    this.renderer.setSize(w, h, false);
    this.camera.aspect = w / h;
    this.camera.updateProjectionMatrix();
    this.requestRender();
  }

  /**
   * New positions (n × 3) and colours (n × 3 bytes). With `transition` and the same number of
   * points, they glide from where they are now to the new place.
   */
  setPoints(positions: Float32Array, colors: Uint8Array, transition: boolean): void {
    const n = positions.length / 3;
    const sameCount = n === this.count && n > 0;
    const from = transition && sameCount ? this.currentPositions() : positions;
    if (sameCount) {
      // Same size: copy into the existing buffers (replacing attributes would leak GPU memory).
      this.writeAttribute('position', positions);
      this.writeAttribute('aFrom', from);
      this.writeAttribute('color', colors);
    } else {
      // New size: free the old GPU buffers, then attach fresh ones.
      this.geometry.dispose();
      const ids = new Float32Array(n);
      for (let i = 0; i < n; i++) ids[i] = i;
      this.geometry.setAttribute('aId', new BufferAttribute(ids, 1));
      this.geometry.setAttribute('position', new BufferAttribute(Float32Array.from(positions), 3));
      this.geometry.setAttribute('aFrom', new BufferAttribute(Float32Array.from(positions), 3));
      this.geometry.setAttribute('color', new BufferAttribute(Uint8Array.from(colors), 3, true));
      // Not normalised: a byte 1 reads as 1.0 in the shader (normalised it would be 1/255).
      this.geometry.setAttribute('aMark', new BufferAttribute(new Uint8Array(n), 1, false));
      this.geometry.setDrawRange(0, n);
    }
    if (n !== this.count) {
      this.count = n;
      this.applyPointSize();
    }
    this.geometry.boundingSphere = null;
    if (transition && sameCount) {
      this.uniforms.uProgress.value = 0;
      this.animationStart = performance.now();
    } else {
      this.uniforms.uProgress.value = 1;
      this.animationStart = -1;
    }
    this.requestRender();
  }

  private writeAttribute(name: string, values: ArrayLike<number>): void {
    const attr = this.geometry.getAttribute(name) as BufferAttribute;
    (attr.array as Float32Array | Uint8Array).set(values);
    attr.needsUpdate = true;
  }

  /** Replaces positions in place without a transition (the grand tour, every frame). */
  updatePositions(positions: Float32Array): void {
    if (positions.length !== this.count * 3) {
      this.setPoints(positions, new Uint8Array(positions.length).fill(200), false);
      return;
    }
    this.writeAttribute('position', positions);
    this.writeAttribute('aFrom', positions);
    this.uniforms.uProgress.value = 1;
    this.animationStart = -1;
    this.requestRender();
  }

  setColors(colors: Uint8Array): void {
    if (colors.length !== this.count * 3) return;
    this.writeAttribute('color', colors);
    this.requestRender();
  }

  /** Where the points are drawn right now (mid-transition included). */
  currentPositions(): Float32Array {
    const to = (this.geometry.getAttribute('position') as BufferAttribute).array as Float32Array;
    const fromAttr = this.geometry.getAttribute('aFrom') as BufferAttribute;
    const from = fromAttr.array as Float32Array;
    const p = this.uniforms.uProgress.value;
    if (p >= 1) return Float32Array.from(to);
    const t = p * p * (3 - 2 * p);
    const out = new Float32Array(to.length);
    for (let i = 0; i < to.length; i++) out[i] = from[i] + (to[i] - from[i]) * t;
    return out;
  }

  /**
   * The selected group: `marks` (one byte a point, 1 selected) are drawn larger and in front, the
   * other points dimmed; null (or none set) draws every point alike.
   */
  setMarks(marks: Uint8Array | null): void {
    const any = !!marks && marks.length === this.count && marks.some((m) => m !== 0);
    if (any) this.writeAttribute('aMark', marks);
    (this.material.uniforms as { uDim: { value: number } }).uDim.value = any ? 1 : 0;
    this.requestRender();
  }

  /** The camera as the screen sees it: projection × view, and the canvas in CSS pixels. */
  screenCamera(): ScreenCamera {
    this.camera.updateMatrixWorld();
    const vp = new Matrix4().multiplyMatrices(
      this.camera.projectionMatrix,
      this.camera.matrixWorldInverse,
    );
    return {
      viewProjection: vp.elements,
      width: this.canvas.clientWidth || this.canvas.width,
      height: this.canvas.clientHeight || this.canvas.height,
    };
  }

  /** The positions as drawn now, without a copy when no transition is under way (read only). */
  drawnPositions(): Float32Array {
    if (this.uniforms.uProgress.value >= 1)
      return (this.geometry.getAttribute('position') as BufferAttribute).array as Float32Array;
    return this.currentPositions();
  }

  /**
   * Whether dragging turns and pans the camera (false while a box or lasso is drawn instead);
   * the wheel zooms either way.
   */
  setOrbit(enabled: boolean): void {
    this.controls.enableRotate = enabled;
    this.controls.enablePan = enabled;
  }

  setPointSize(px: number): void {
    this.pointSize = px;
    this.applyPointSize();
  }

  /**
   * Dense clouds get smaller points: the chosen size holds up to 50,000 points and shrinks with
   * the fourth root of the count beyond (1,000,000 points draw at about half size), which keeps
   * the cloud readable and the fragment work bounded.
   */
  private applyPointSize(): void {
    const scale = Math.min(1, Math.pow(50_000 / Math.max(this.count, 1), 0.25));
    this.uniforms.uSize.value = Math.max(1, this.pointSize * scale);
    this.requestRender();
  }

  setSphereVisible(visible: boolean): void {
    this.sphereWire.visible = visible;
    this.requestRender();
  }

  /** Hole markers at these 3D points (n × 3), or none. */
  setHoles(positions: Float32Array | null): void {
    setMarkerPositions(this.holes, positions);
    this.requestRender();
  }

  /** Rings on the selected point and its neighbours. */
  setSelection(selected: number | null, neighbours: readonly number[]): void {
    const pos = this.currentPositions();
    const at = (i: number) => [pos[i * 3], pos[i * 3 + 1], pos[i * 3 + 2]];
    setMarkerPositions(
      this.selection,
      selected === null || selected >= this.count ? null : Float32Array.from(at(selected)),
    );
    setMarkerPositions(
      this.neighbours,
      neighbours.length
        ? Float32Array.from(neighbours.filter((i) => i < this.count).flatMap(at))
        : null,
    );
    this.requestRender();
  }

  /** The decode-anywhere target marker. */
  setTarget(point: ArrayLike<number> | null): void {
    setMarkerPositions(this.target, point ? Float32Array.from(point) : null);
    this.requestRender();
  }

  /** Frames the camera on the current points (or the unit sphere). */
  /**
   * Refits only when the cloud has grown or shrunk a lot since the last fit (live training
   * spreads the cloud out epoch by epoch; small changes keep the camera still).
   */
  refitIfNeeded(): void {
    if (this.sphereWire.visible || this.count === 0) return;
    const { radius } = this.robustFrame();
    const ratio = radius / this.fittedRadius;
    if (ratio > 1.5 || ratio < 0.5) this.fit();
  }

  private fittedRadius = 1;

  /** Centroid and 99th-percentile radius of the target positions. */
  private robustFrame(): { center: Vector3; radius: number } {
    const attr = this.geometry.getAttribute('position') as BufferAttribute;
    const center = new Vector3();
    let radius = 1;
    if (this.count > 0) {
      // A robust frame: the centroid, and the 99th percentile of distances from it, so a few
      // outliers don't shrink the cloud to a dot while a far cluster (Fashion-MNIST's trousers
      // in UMAP, a tenth of the points) stays in view.
      const arr = attr.array as Float32Array;
      const step = Math.max(1, Math.floor(this.count / 5000));
      let k = 0;
      for (let i = 0; i < this.count; i += step, k++)
        center.add(new Vector3(arr[i * 3], arr[i * 3 + 1], arr[i * 3 + 2]));
      center.divideScalar(Math.max(1, k));
      const dists: number[] = [];
      for (let i = 0; i < this.count; i += step) {
        dists.push(
          Math.hypot(arr[i * 3] - center.x, arr[i * 3 + 1] - center.y, arr[i * 3 + 2] - center.z),
        );
      }
      dists.sort((a, b) => a - b);
      radius = Math.max(dists[Math.floor(0.99 * (dists.length - 1))] ?? 1, 1e-3);
    }
    return { center, radius };
  }

  /**
   * Frames the camera on the points, from where it looks now or, given `from`, from that
   * direction (the attribute axes face the viewer: x to the right, y up).
   */
  fit(from?: [number, number, number]): void {
    let { center, radius } = this.robustFrame();
    this.fittedRadius = radius;
    let margin = 1.05;
    if (this.sphereWire.visible) {
      center = new Vector3();
      radius = 1;
      margin = 1.12;
    }
    const dir = from
      ? new Vector3(...from).normalize()
      : this.camera.position.clone().sub(this.controls.target).normalize();
    if (dir.lengthSq() < 1e-9) dir.set(0.55, 0.35, 0.75).normalize();
    const dist = (radius * margin) / Math.sin((this.camera.fov * Math.PI) / 360);
    this.controls.target.copy(center);
    this.camera.position.copy(center).addScaledVector(dir, dist);
    this.camera.near = dist / 100;
    this.camera.far = dist * 100;
    this.camera.updateProjectionMatrix();
    this.controls.update();
    this.requestRender();
  }

  /**
   * The index of the point under the client position, or null: the ids pass renders a small
   * window around the pixel into an offscreen target and reads it back; the hit nearest the
   * centre wins.
   */
  pick(clientX: number, clientY: number): number | null {
    if (this.count === 0) return null;
    const rect = this.canvas.getBoundingClientRect();
    const pr = this.renderer.getPixelRatio();
    const x = (clientX - rect.left) * pr;
    const y = (clientY - rect.top) * pr;
    const w = this.renderer.domElement.width;
    const h = this.renderer.domElement.height;
    if (x < 0 || y < 0 || x >= w || y >= h) return null;
    const half = Math.floor(PICK_SIZE / 2);
    this.camera.setViewOffset(
      w,
      h,
      Math.round(x) - half,
      Math.round(y) - half,
      PICK_SIZE,
      PICK_SIZE,
    );
    this.renderer.setRenderTarget(this.pickTarget);
    this.renderer.setClearColor(0x000000, 1);
    this.renderer.clear();
    this.renderer.render(this.pickScene, this.camera);
    this.renderer.readRenderTargetPixels(
      this.pickTarget,
      0,
      0,
      PICK_SIZE,
      PICK_SIZE,
      this.pickBuffer,
    );
    this.renderer.setRenderTarget(null);
    this.renderer.setClearColor(new Color('#0f1115'), 1);
    this.camera.clearViewOffset();
    let best: number | null = null;
    let bestD = Infinity;
    for (let py = 0; py < PICK_SIZE; py++) {
      for (let px = 0; px < PICK_SIZE; px++) {
        const o = (py * PICK_SIZE + px) * 4;
        const id =
          this.pickBuffer[o] + this.pickBuffer[o + 1] * 256 + this.pickBuffer[o + 2] * 65536;
        if (id === 0) continue;
        const d = (px - half) ** 2 + (py - half) ** 2;
        if (d < bestD) {
          bestD = d;
          best = id - 1;
        }
      }
    }
    this.requestRender();
    return best !== null && best < this.count ? best : null;
  }

  /**
   * The 3D point under the cursor in empty space: on the unit sphere (front hit) in sphere
   * views; elsewhere on the plane through the orbit centre facing the camera.
   */
  worldPointAt(
    clientX: number,
    clientY: number,
    onSphere: boolean,
  ): [number, number, number] | null {
    const rect = this.canvas.getBoundingClientRect();
    const ndc = new Vector2(
      ((clientX - rect.left) / rect.width) * 2 - 1,
      -((clientY - rect.top) / rect.height) * 2 + 1,
    );
    const ray = new Raycaster();
    ray.setFromCamera(ndc, this.camera);
    const hit = new Vector3();
    if (onSphere) {
      if (ray.ray.intersectSphere(new Sphere(new Vector3(), 1), hit)) return [hit.x, hit.y, hit.z];
      // Off the sphere: the closest point of the ray to the centre, pushed out to the sphere.
      ray.ray.closestPointToPoint(new Vector3(), hit);
      const len = hit.length() || 1;
      return [hit.x / len, hit.y / len, hit.z / len];
    }
    const normal = this.camera.getWorldDirection(new Vector3());
    const plane = new Plane().setFromNormalAndCoplanarPoint(normal, this.controls.target);
    return ray.ray.intersectPlane(plane, hit) ? [hit.x, hit.y, hit.z] : null;
  }

  /** Asks for one frame on the next animation tick (coalesced). */
  requestRender(): void {
    if (this.frameRequested || this.disposed) return;
    this.frameRequested = true;
    requestAnimationFrame(() => {
      this.frameRequested = false;
      this.renderNow();
    });
  }

  /** Draws one frame now; returns its CPU time in milliseconds. */
  renderNow(): number {
    if (this.disposed) return 0;
    const start = performance.now();
    let animating = false;
    if (this.animationStart >= 0) {
      const p = Math.min(1, (start - this.animationStart) / TRANSITION_MS);
      this.uniforms.uProgress.value = p;
      if (p < 1) animating = true;
      else this.animationStart = -1;
    }
    // With damping, the controls keep moving for a few frames after the pointer stops.
    if (this.controls.update()) animating = true;
    this.renderer.render(this.scene, this.camera);
    this.frames++;
    this.lastFrameMs = performance.now() - start;
    this.callbacks.onFrame?.(this.lastFrameMs);
    if (animating) this.requestRender();
    return this.lastFrameMs;
  }

  /** Draws a frame and waits for the GPU to finish it (benchmarks). */
  renderSync(): number {
    const start = performance.now();
    this.renderNow();
    const gl = this.renderer.getContext();
    const px = new Uint8Array(4);
    gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, px);
    return performance.now() - start;
  }

  get transitioning(): boolean {
    return this.animationStart >= 0;
  }

  dispose(): void {
    this.disposed = true;
    this.resizeObserver?.disconnect();
    this.controls.dispose();
    this.geometry.dispose();
    this.material.dispose();
    this.pickMaterial.dispose();
    this.pickTarget.dispose();
    for (const m of [this.holes, this.selection, this.neighbours, this.target, this.sphereWire]) {
      m.geometry.dispose();
      (m.material as ShaderMaterial).dispose();
    }
    this.renderer.dispose();
  }

  private get uniforms(): { uProgress: { value: number }; uSize: { value: number } } {
    return this.material.uniforms as unknown as {
      uProgress: { value: number };
      uSize: { value: number };
    };
  }
}

/** A wireframe unit sphere: 3 great circles plus latitude and longitude lines, faint. */
function makeSphereWire(): LineSegments {
  const verts: number[] = [];
  const seg = 96;
  const circle = (f: (a: number) => [number, number, number]) => {
    for (let i = 0; i < seg; i++) {
      verts.push(...f((i / seg) * 2 * Math.PI), ...f(((i + 1) / seg) * 2 * Math.PI));
    }
  };
  for (const lat of [-60, -30, 0, 30, 60]) {
    const phi = (lat * Math.PI) / 180;
    circle((a) => [Math.cos(phi) * Math.cos(a), Math.sin(phi), Math.cos(phi) * Math.sin(a)]);
  }
  for (let k = 0; k < 6; k++) {
    const lon = (k * Math.PI) / 6;
    circle((a) => [Math.cos(a) * Math.cos(lon), Math.sin(a), Math.cos(a) * Math.sin(lon)]);
  }
  const g = new BufferGeometry();
  g.setAttribute('position', new Float32BufferAttribute(verts, 3));
  const m = new LineBasicMaterial({
    color: 0x5b6477,
    transparent: true,
    opacity: 0.35,
    blending: AdditiveBlending,
    depthWrite: false,
  });
  return new LineSegments(g, m);
}

function makeMarkers(color: string, size: number, inner: number): Points {
  const g = new BufferGeometry();
  g.setAttribute('position', new Float32BufferAttribute([], 3));
  const m = new ShaderMaterial({
    uniforms: {
      uColor: { value: new Color(color) },
      uSize: { value: size },
      uPixelRatio: { value: Math.min(globalThis.devicePixelRatio || 1, 2) },
      uInner: { value: inner },
    },
    vertexShader: markerVertex,
    fragmentShader: markerFragment,
    transparent: true,
    depthTest: false,
  });
  const p = new Points(g, m);
  p.frustumCulled = false;
  p.renderOrder = 10;
  p.visible = false;
  return p;
}

function setMarkerPositions(points: Points, positions: Float32Array | null): void {
  if (!positions || positions.length === 0) {
    points.visible = false;
    return;
  }
  points.geometry.setAttribute('position', new BufferAttribute(positions, 3));
  points.geometry.setDrawRange(0, positions.length / 3);
  points.visible = true;
}
