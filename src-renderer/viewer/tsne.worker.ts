import { runTsne } from '../lib/projection/tsne-run';
import { serveProjection } from './projection-handler';

/** t-SNE off the main thread: one job per worker, progress posted as it goes. */
serveProjection(runTsne);
