/**
 * The contract between the page and the engine, the one module every process takes its messages
 * from: Electron main and preload, the engine host processes, `serve`, and the renderer.
 */
import './zod-config';
export * from './names';
export * from './typed-arrays';
export * from './records';
export * from './contract';
export * from './errors';
export * from './validate';
export * from './envelope';
export * from './atlas-api';
export * from './framing';
export * from './host-protocol';
