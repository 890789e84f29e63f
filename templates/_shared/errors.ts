// The one error type handlers throw: it carries the HTTP status the client should see, so the service
// kit can turn any failure into the `{success: false, error: {status, message}}` shape.

/** An error with the HTTP status and message to answer with; `details` join the error object. */
export class HttpError extends Error {
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(
    status: number,
    message: string,
    options: { details?: Record<string, unknown>; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "HttpError";
    this.status = status;
    this.details = options.details;
    this.headers = options.headers;
  }
}

/** A 400 whose message names what was wrong with the request. */
export function badRequest(message: string, details?: Record<string, unknown>): HttpError {
  return new HttpError(400, message, { details });
}

/** A 404 for something the client named that does not exist. */
export function notFound(message: string, details?: Record<string, unknown>): HttpError {
  return new HttpError(404, message, { details });
}
