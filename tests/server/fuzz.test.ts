import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AtlasWsClient } from '../../src-main/api/client-ws';
import { decodeFrame, encodeFrame } from '../../src-main/api/framing';
import { ERROR_CODES, METHOD_NAMES } from '../../src-main/api/names';
import { startServer, type RunningServer } from '../../src-main/server';
import { validParams } from '../api/samples';
import { frame, goodClient, rawSocket, within } from './raw-client';

/**
 * Property-based fuzzing of `serve` (fast-check, fixed seeds, bounded runs): arbitrary bytes after
 * a valid upgrade, arbitrary frames, and arbitrary or nearly valid messages. Whatever is sent, the
 * server stays up and answers a well-behaved client; a connection it closes gets a code and a
 * reason; each bad connection is logged at most once; a request with an id gets a reply.
 */

const SEED = 0x5e7e;
const RAW_RUNS = 300;
const FRAME_RUNS = 300;
const MESSAGE_RUNS = 300;
/** Codes serve closes with by itself (a client's own close frame is echoed with its code). */
const SERVER_CODES = new Set([1002, 1003, 1007, 1008, 1009]);

let root: string;
let server: RunningServer;
let control: AtlasWsClient;
const log: string[] = [];
const figures: string[] = [];

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'atlas-fuzz-'));
  server = await startServer({
    libraryDir: path.join(root, 'lib'),
    demoDir: null,
    rendererDir: path.join(root, 'none'),
    warn: (line) => log.push(line),
    limits: { maxFrameBytes: 1024 * 1024 },
  });
  control = await goodClient(server.port, server.token);
  await control.info(); // the engine is up before the clock starts
});
afterAll(async () => {
  control.close();
  await server.close();
  rmSync(root, { recursive: true, force: true });
  console.log(`serve fuzz (seed ${SEED}):\n  ${figures.join('\n  ')}`);
});

/** The server still answers a well-behaved client (one that was connected all along). */
async function assertServing(): Promise<void> {
  // A closed client answers `unavailable`, so this also says the control socket is still open.
  expect(await control.listJobs()).toEqual({ jobs: [] });
}

function assertLoggedAtMostOnce(): void {
  const perClient = new Map<string, number>();
  for (const line of log) {
    const client = /client #\d+/.exec(line)?.[0];
    if (client) perClient.set(client, (perClient.get(client) ?? 0) + 1);
  }
  for (const [client, count] of perClient) expect(count, client).toBe(1);
}

/** Sends `chunks` on a fresh upgraded socket, waits briefly for the server's verdict, hangs up. */
async function sendRaw(chunks: Buffer[]): Promise<void> {
  const raw = await rawSocket(server.port, server.token);
  for (const chunk of chunks) raw.socket.write(chunk);
  await within(raw.ended, 40);
  const close = raw.closeFrame();
  // An echo of the client's own close frame may carry its code; serve's own always say why.
  if (close && SERVER_CODES.has(close.code) && !clientSentClose(chunks)) {
    expect(close.reason.length, `code ${close.code}`).toBeGreaterThan(0);
  }
  raw.socket.destroy();
}

function clientSentClose(chunks: Buffer[]): boolean {
  return chunks.some((c) => c.length > 0 && (c[0] & 0x0f) === 8);
}

async function timed(name: string, runs: number, body: () => Promise<void>): Promise<void> {
  const t0 = performance.now();
  await body();
  figures.push(`${name}: ${runs} cases in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

const frameSpec = fc.record({
  fin: fc.boolean(),
  rsv: fc.integer({ min: 0, max: 7 }),
  opcode: fc.integer({ min: 0, max: 15 }),
  masked: fc.boolean(),
  payload: fc.uint8Array({ maxLength: 300 }),
  lie: fc.option(
    fc.oneof(
      fc.bigInt({ min: 0n, max: 300n }),
      fc.bigInt({ min: 65_536n, max: 2n ** 64n - 1n }),
      fc.constantFrom(126n, 127n, 65_535n, 1024n * 1024n + 1n, 2n ** 63n),
    ),
    { nil: undefined },
  ),
});

describe('serve under fuzzing', () => {
  it(`stays up through arbitrary bytes after the upgrade (${RAW_RUNS} cases)`, async () => {
    await timed('arbitrary bytes', RAW_RUNS, () =>
      fc.assert(
        fc.asyncProperty(
          fc.array(fc.uint8Array({ minLength: 1, maxLength: 200 }), { minLength: 1, maxLength: 4 }),
          async (chunks) => {
            await sendRaw(chunks.map((c) => Buffer.from(c)));
            await assertServing();
          },
        ),
        { seed: SEED, numRuns: RAW_RUNS },
      ),
    );
    assertLoggedAtMostOnce();
  });

  it(`stays up through arbitrary frames: opcodes, flags, masks, lying lengths (${FRAME_RUNS} cases)`, async () => {
    await timed('arbitrary frames', FRAME_RUNS, () =>
      fc.assert(
        fc.asyncProperty(fc.array(frameSpec, { minLength: 1, maxLength: 3 }), async (specs) => {
          await sendRaw(
            specs.map((s) =>
              frame({ ...s, ...(s.lie === undefined ? {} : { declaredLength: s.lie }) }),
            ),
          );
          await assertServing();
        }),
        { seed: SEED + 1, numRuns: FRAME_RUNS },
      ),
    );
    assertLoggedAtMostOnce();
  });

  it(`answers or closes on arbitrary and nearly valid messages (${MESSAGE_RUNS} cases)`, async () => {
    const socket = () =>
      new Promise<WebSocket>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${server.port}/atlas?token=${server.token}`);
        ws.binaryType = 'nodebuffer';
        ws.on('error', () => {});
        ws.once('open', () => resolve(ws));
      });
    let ws = await socket();
    let answered = 0;
    let closed = 0;
    // Training would start real jobs: those two are fuzzed only as garbage, never nearly valid.
    const nearlyValid = METHOD_NAMES.filter(
      (m) => m !== 'startTraining' && m !== 'continueTraining',
    );
    const value = fc.oneof(
      fc.anything({ maxDepth: 3 }),
      fc.float32Array({ maxLength: 64 }),
      fc.int32Array({ maxLength: 16 }),
      fc.constantFrom('/etc', 'folder:/proc/self', '../x.npy', '', 'toy:moons', 'm-1'),
    );
    const mutated = fc
      .record({
        method: fc.constantFrom(...nearlyValid),
        key: fc.string({ maxLength: 8 }),
        value,
        how: fc.constantFrom('set', 'drop', 'add', 'keep'),
        id: fc.nat(),
      })
      .map(({ method, key, value, how, id }) => {
        const params: Record<string, unknown> = { ...validParams[method] };
        const keys = Object.keys(params);
        const target = keys.length && how !== 'add' ? keys[key.length % keys.length] : key;
        if (how === 'drop') delete params[target];
        else if (how !== 'keep') params[target] = value;
        return { type: 'request', id, method, params };
      });
    // Garbage envelopes carry an id or not; without one the server can only close the socket.
    const garbage = fc.oneof(
      fc.record(
        {
          type: fc.constantFrom('request', 'reply', 'event', 'x'),
          id: fc.oneof(fc.nat(), fc.integer(), fc.double(), fc.string()),
          method: fc.oneof(fc.constantFrom(...METHOD_NAMES), fc.string()),
          params: value,
        },
        { requiredKeys: ['type', 'method'] },
      ),
      fc.anything({ maxDepth: 3 }),
    );
    const message = fc.oneof({ arbitrary: mutated, weight: 3 }, { arbitrary: garbage, weight: 2 });

    await timed('messages', MESSAGE_RUNS, () =>
      fc.assert(
        fc.asyncProperty(message, async (msg) => {
          const sentId = (msg as { id?: unknown } | null)?.id;
          const outcome = await new Promise<
            { reply: Record<string, unknown> } | { close: number; reason: string }
          >((resolve) => {
            const onMessage = (data: Buffer) => {
              const m = decodeFrame(data) as Record<string, unknown>;
              if (m.type !== 'reply') return;
              ws.off('message', onMessage).off('close', onClose);
              resolve({ reply: m });
            };
            const onClose = (code: number, reason: Buffer) => {
              ws.off('message', onMessage);
              resolve({ close: code, reason: reason.toString() });
            };
            ws.on('message', onMessage).once('close', onClose);
            let bytes: Uint8Array;
            try {
              bytes = encodeFrame(msg);
            } catch {
              bytes = encodeFrame({ unframeable: true });
            }
            ws.send(bytes);
          });
          if ('reply' in outcome) {
            answered++;
            expect(outcome.reply.id).toBe(sentId);
            if (outcome.reply.ok === false) {
              const error = outcome.reply.error as { code: string; message: string };
              expect(ERROR_CODES).toContain(error.code);
              expect(error.code).not.toBe('internal');
              expect(error.message.length).toBeGreaterThan(0);
            }
          } else {
            closed++;
            expect([1007, 1008]).toContain(outcome.close);
            expect(outcome.reason.length).toBeGreaterThan(0);
            ws = await socket();
          }
          await assertServing();
        }),
        { seed: SEED + 2, numRuns: MESSAGE_RUNS },
      ),
    );
    ws.close();
    figures.push(`  (messages: ${answered} answered with a reply, ${closed} closed the socket)`);
    expect(answered).toBeGreaterThan(MESSAGE_RUNS / 4);
    expect((await control.listJobs()).jobs).toEqual([]);
    assertLoggedAtMostOnce();
  });
});
