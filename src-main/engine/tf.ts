/**
 * The one place the engine imports TensorFlow.js from. tfjs-node and tfjs-node-gpu depend on the
 * same `@tensorflow/tfjs` and register their backend on this engine when loaded (see backend.ts).
 */
export * as tf from '@tensorflow/tfjs';
