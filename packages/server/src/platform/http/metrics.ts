import type { FastifyRequest } from 'fastify';
import client from 'prom-client';
import { safeEqual } from '../crypto.js';
import { AppError } from '../errors.js';

/** Prometheus metrics; one registry per app so tests can run several servers in one process. */
export class Metrics {
  readonly registry = new client.Registry();
  readonly requestDuration = new client.Histogram({
    name: 'licensor_http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly validations = new client.Counter({
    name: 'licensor_validations_total',
    help: 'License validations by result code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly directLane = new client.Counter({
    name: 'licensor_direct_lane_total',
    help: 'Requests the direct lane answered, and connections it handed on to the framework',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  constructor() {
    client.collectDefaultMetrics({ register: this.registry });
  }
}

const isLoopback = (address: string | undefined) =>
  !!address && (address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.'));

/**
 * Who may read `/metrics`: with `METRICS_TOKEN`, whoever presents it; without, only a scraper on this
 * machine talking to the socket directly (a request relayed by a proxy carries a forwarding header; behind a
 * proxy on this machine that adds none, set the token).
 */
export function assertMetricsAccess(request: FastifyRequest, token: string | undefined): void {
  if (token) {
    const presented = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '';
    if (!safeEqual(presented, token))
      throw new AppError('UNAUTHENTICATED', 'the metrics need the METRICS_TOKEN as a bearer token');
    return;
  }
  const relayed = ['x-forwarded-for', 'forwarded', 'x-real-ip'].some((h) => request.headers[h] !== undefined);
  if (!isLoopback(request.socket.remoteAddress) || relayed)
    throw new AppError(
      'FORBIDDEN',
      'the metrics are served to this machine only, unless METRICS_TOKEN is set',
    );
}
