import { tf } from '../tf';
import { adamKernel } from '../kernels/adam-module';
import { heapAddress, type WasmHeapBackend } from '../kernels/heap-kernel';

/**
 * Adam (Kingma & Ba, 2015, Algorithm 1, as tfjs' AdamOptimizer writes it) with one pass over each
 * variable instead of fourteen kernels.
 *
 * Why: profiled on wasm (bench/conv-profile.ts), tfjs' Adam ran 228 small kernels per conv step
 * (each a fresh tensor and a full pass over the weights), about a fifth of the step. Here the
 * update of a variable is one kernel, `AtlasAdam`, that reads θ, g, m and v once and writes the new
 * three, in WebAssembly SIMD (kernels/adam-module.ts; this file's loop is the reference, and runs
 * the last len mod 4 values). Every intermediate is rounded to float32 as tfjs' ops round it (mul, add, div, sqrt in
 * that order), so the weights are bit for bit those of `tf.train.adam` (a test holds it). The
 * slots, their names and order, getWeights/setWeights and so the checkpoints are tfjs' own.
 * Backends without the kernel (tfjs-node, WebGL) run tfjs' update unchanged.
 */
const ADAM = 'AtlasAdam';

interface AdamAttrs {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** 1 − β₁ᵗ and 1 − β₂ᵗ, the bias corrections, as float32. */
  correction1: number;
  correction2: number;
}

const f = Math.fround;

/**
 * The update of one variable: θ' = θ + (−lr)·(m̂ / (√v̂ + ε)), with m' = β₁m + (1−β₁)g,
 * v' = β₂v + (1−β₂)g², m̂ = m'/(1−β₁ᵗ), v̂ = v'/(1−β₂ᵗ), each step rounded to float32.
 */
export function adamUpdate(
  value: Float32Array,
  gradient: Float32Array,
  m: Float32Array,
  v: Float32Array,
  outValue: Float32Array,
  outM: Float32Array,
  outV: Float32Array,
  attrs: AdamAttrs,
): void {
  const b1 = f(attrs.beta1);
  const b2 = f(attrs.beta2);
  const c1 = f(1 - attrs.beta1);
  const c2 = f(1 - attrs.beta2);
  const k1 = f(attrs.correction1);
  const k2 = f(attrs.correction2);
  const eps = f(attrs.epsilon);
  const step = f(-attrs.learningRate);
  for (let i = 0; i < value.length; i++) {
    const g = gradient[i];
    const m1 = f(f(m[i] * b1) + f(g * c1));
    const v1 = f(f(v[i] * b2) + f(f(g * g) * c2));
    outM[i] = m1;
    outV[i] = v1;
    const denominator = f(f(Math.sqrt(f(v1 / k2))) + eps);
    outValue[i] = f(f(f(f(m1 / k1) / denominator) * step) + value[i]);
  }
}

let registered = false;

function registerAdamKernel(): boolean {
  if (registered) return true;
  if (!tf.getKernel('Add', 'wasm')) return false;
  registered = true;
  tf.registerKernel({
    kernelName: ADAM,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const wasm = backend as unknown as WasmHeapBackend;
      const { value, gradient, m, v } = inputs as Record<string, tf.TensorInfo>;
      const outputs = [value, m, v].map((t) => wasm.makeOutput([...t.shape], 'float32'));
      const a = attrs as unknown as AdamAttrs;
      const operands = [value, gradient, m, v, ...outputs];
      const size = wasm.typedArrayFromHeap(value).length;
      const kernel = adamKernel(wasm);
      const vectors = kernel ? size & ~3 : 0;
      if (kernel && vectors > 0) {
        const constants = [a.beta1, a.beta2, 1 - a.beta1, 1 - a.beta2];
        constants.push(a.correction1, a.correction2, a.epsilon, -a.learningRate);
        kernel.adam(...operands.map((t) => heapAddress(wasm, t)), 4 * vectors, ...constants);
      }
      if (vectors < size) {
        // Views are taken after the allocations, which may grow (and so move) the heap.
        const views = operands.map((t) => wasm.typedArrayFromHeap(t).subarray(vectors));
        const [th, g, m0, v0, th1, m1, v1] = views;
        adamUpdate(th, g, m0, v0, th1, m1, v1, a);
      }
      return outputs;
    },
  });
  return true;
}

/** What AdamOptimizer keeps private and this update needs. */
interface AdamState {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
  incrementIterations(): void;
}

export class FusedAdam extends tf.AdamOptimizer {
  constructor(learningRate: number, beta1 = 0.9, beta2 = 0.999) {
    super(learningRate, beta1, beta2);
  }

  override applyGradients(gradients: Parameters<tf.AdamOptimizer['applyGradients']>[0]): void {
    const entries: [string, tf.Tensor | null][] = Array.isArray(gradients)
      ? gradients.map((g) => [g.name, g.tensor])
      : Object.entries(gradients);
    const fp32 = entries.every(([, g]) => g == null || g.dtype === 'float32');
    if (tf.getBackend() !== 'wasm' || !fp32 || !registerAdamKernel()) {
      super.applyGradients(gradients);
      return;
    }
    const self = this as unknown as AdamState;
    const attrs: AdamAttrs = {
      learningRate: this.learningRate,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      correction1: f(1 - self.accBeta1.dataSync()[0]),
      correction2: f(1 - self.accBeta2.dataSync()[0]),
    };
    tf.tidy(() => {
      entries.forEach(([name, gradient], i) => {
        const value = tf.engine().registeredVariables[name];
        const slot = (kind: 'm' | 'v') => ({
          originalName: `${name}/${kind}`,
          variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
        });
        self.accumulatedFirstMoment[i] ??= slot('m');
        self.accumulatedSecondMoment[i] ??= slot('v');
        if (gradient == null) return;
        const m = self.accumulatedFirstMoment[i].variable;
        const v = self.accumulatedSecondMoment[i].variable;
        const [newValue, newM, newV] = tf
          .engine()
          .runKernel(ADAM, { value, gradient, m, v }, { ...attrs }) as tf.Tensor[];
        m.assign(newM);
        v.assign(newV);
        value.assign(newValue);
      });
      self.accBeta1.assign(tf.mul(self.accBeta1, this.beta1));
      self.accBeta2.assign(tf.mul(self.accBeta2, this.beta2));
    });
    self.incrementIterations();
  }
}
