import { Readable } from 'node:stream';
import { type HttpRequest, HttpResponse } from '@smithy/core/transport';

/** What a request handler needs to be: the SDK's HttpHandler surface the clients call. */
export interface RequestHandlerLike {
  handle(request: HttpRequest, options?: unknown): Promise<{ response: HttpResponse }>;
}

const FAULTS = [
  { status: 400, type: 'ThrottlingException', message: 'Rate exceeded (injected)' },
  { status: 500, type: 'InternalServerError', message: 'Internal error (injected)' },
  { status: 503, type: 'ServiceUnavailable', message: 'Service unavailable (injected)' },
] as const;

/**
 * Wraps a request handler so that a share of calls fail before they reach the service:
 * throttling, 5xx, or a timeout. The drills use it to show nothing is lost or doubled.
 */
export class FaultyRequestHandler implements RequestHandlerLike {
  injected = 0;
  passed = 0;

  constructor(
    private readonly inner: RequestHandlerLike,
    private readonly rate: number,
    private readonly random: () => number = Math.random,
  ) {}

  async handle(request: HttpRequest, options?: unknown): Promise<{ response: HttpResponse }> {
    if (this.random() < this.rate) {
      this.injected++;
      const kind = Math.floor(this.random() * (FAULTS.length + 1));
      if (kind === FAULTS.length) {
        const timeout = new Error('Request timed out (injected)');
        timeout.name = 'TimeoutError';
        throw timeout;
      }
      const fault = FAULTS[kind] as (typeof FAULTS)[number];
      const json = String(request.headers['content-type'] ?? '').includes('json');
      const body = json
        ? JSON.stringify({ __type: fault.type, message: fault.message })
        : `<ErrorResponse><Error><Type>Sender</Type><Code>${fault.type === 'ThrottlingException' ? 'Throttling' : fault.type}</Code><Message>${fault.message}</Message></Error><RequestId>x</RequestId></ErrorResponse>`;
      return {
        response: new HttpResponse({
          statusCode: fault.status,
          headers: {
            'content-type': json ? 'application/x-amz-json-1.0' : 'text/xml',
            'x-amzn-errortype': fault.type,
          },
          body: Readable.from([Buffer.from(body)]),
        }),
      };
    }
    this.passed++;
    return this.inner.handle(request, options);
  }

  updateHttpClientConfig(): void {}
  httpHandlerConfigs(): Record<string, never> {
    return {};
  }
}
