/**
 * Folders (and a file) of a checkpoint that are the user's, not the weights': saved attribute
 * vectors, selections and named views (`bookmarks.json`; fs.cp copies it like a folder). A save carries them over to the new weights, and the weights' version (the latent
 * cache's key) leaves them out. No imports: the supervisor reads this without loading the engine.
 */
export const KEPT_ACROSS_SAVES = ['vectors', 'selections', 'bookmarks.json'] as const;
