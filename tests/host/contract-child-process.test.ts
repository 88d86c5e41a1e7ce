import { contractSuite } from '../api/shared-suite';
import { startForkedHost } from './forked-host';

// Transport 1: the supervisor in this process, the engine in Node child processes.
contractSuite('the engine host in child processes', async () => startForkedHost('atlas-host-'));
