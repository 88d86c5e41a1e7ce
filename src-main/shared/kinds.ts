/**
 * The names of the latent geometries and objectives, with no dependencies: the command line
 * parses its options with these before it loads anything heavy (config.ts builds its schemas
 * on them).
 */
export const LATENT_KINDS = ['gaussian', 'sphere', 'power-sphere', 'mixture'] as const;
export const OBJECTIVE_KINDS = ['kl', 'mmd', 'swd', 'cw', 'l2'] as const;
