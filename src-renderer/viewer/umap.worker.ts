import { runUmap } from '../lib/projection/umap-run';
import { serveProjection } from './projection-handler';

/** UMAP off the main thread: one job per worker, progress posted as it goes. */
serveProjection(runUmap);
