import { tf } from '../tf';

/**
 * Weights that load fine but cannot be a trained model: a kernel (a weight of rank ≥ 2) whose
 * values are all equal — all zero, or one constant — maps every input to the same output along
 * its columns. Biases are left out: all-zero biases are how layers start.
 * Returns one warning per degenerate kernel, naming the file and the weight.
 */
export function degenerateWeights(model: tf.LayersModel, file: string): string[] {
  const warnings: string[] = [];
  for (const weight of model.weights) {
    if (weight.shape.length < 2 || weight.dtype !== 'float32') continue;
    const [min, max] = tf.tidy(() => {
      const v = weight.read();
      return [tf.min(v).dataSync()[0], tf.max(v).dataSync()[0]];
    });
    if (min !== max) continue;
    const what = min === 0 ? 'all zero' : `constant (every value ${min})`;
    warnings.push(
      `${file}: weight ${weight.originalName} is ${what}: the model cannot have been trained`,
    );
  }
  return warnings;
}
