import client from 'prom-client';

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

  constructor() {
    client.collectDefaultMetrics({ register: this.registry });
  }
}
