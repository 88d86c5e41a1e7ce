import { z } from 'zod';

/**
 * The page runs under a CSP without 'unsafe-eval'. zod compiles fast object parsers with
 * `new Function` (deciding when each schema is built), and its probe for that is itself reported
 * as a CSP violation, so the contract's schemas are built for zod's interpreter instead. Every
 * module here that builds schemas imports this first; the cost is nil for payloads this small.
 */
z.config({ jitless: true });
