import './zod-config';
import { z } from 'zod';
import { EVENT_NAMES, METHOD_NAMES } from './names';
import { ErrorInfo } from './records';

/**
 * The envelopes every transport carries: a request names a method and an id, a reply answers one
 * id with a result or an error, an event is pushed unasked. Payloads inside are checked against
 * the contract separately, so an envelope error and a payload error read differently.
 */
export const RequestId = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const RequestMessage = z.strictObject({
  type: z.literal('request'),
  id: RequestId,
  method: z.enum(METHOD_NAMES),
  params: z.unknown(),
});
export type RequestMessage = z.infer<typeof RequestMessage>;

/** A request's outcome, as Electron's `ipcRenderer.invoke` returns it (errors stay structured). */
export const Outcome = z.discriminatedUnion('ok', [
  z.strictObject({ ok: z.literal(true), result: z.unknown() }),
  z.strictObject({ ok: z.literal(false), error: ErrorInfo }),
]);
export type Outcome = z.infer<typeof Outcome>;

export const ReplyMessage = z.discriminatedUnion('ok', [
  z.strictObject({
    type: z.literal('reply'),
    id: RequestId,
    ok: z.literal(true),
    result: z.unknown(),
  }),
  z.strictObject({
    type: z.literal('reply'),
    id: RequestId,
    ok: z.literal(false),
    error: ErrorInfo,
  }),
]);
export type ReplyMessage = z.infer<typeof ReplyMessage>;

export const EventMessage = z.strictObject({
  type: z.literal('event'),
  event: z.enum(EVENT_NAMES),
  payload: z.unknown(),
});
export type EventMessage = z.infer<typeof EventMessage>;

/** What a client (page) sends, and what a server sends back. */
export const ClientMessage = RequestMessage;
export type ClientMessage = RequestMessage;
export const ServerMessage = z.union([ReplyMessage, EventMessage]);
export type ServerMessage = z.infer<typeof ServerMessage>;
