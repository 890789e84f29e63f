// POST /api/chat: `{user_id, message}` → the agent's /agent/process `{user_id, input}`. JSON answers
// pass the agent's result (or its error status and message) through; with Accept: text/event-stream
// the agent's event stream is piped to the client as its bytes arrive.
import { HttpError } from "../../_shared/errors.js";
import { fetchJson, upstreamFailure } from "../../_shared/fetch-json.js";
import { requestIdHeader } from "../../_shared/request-id.js";
import type { Handler, RequestContext } from "../../_shared/router.js";
import { eventStreamHeaders, wantsEventStream } from "../../_shared/sse.js";
import { expectObject, requiredString } from "../../_shared/validate.js";

/** Where the agent is and how long to wait for it. */
export interface ChatOptions {
  agentName: string;
  agentUrl: string | undefined;
  timeoutMs: number;
}

/** The /api/chat handler. */
export function chatHandler(options: ChatOptions): Handler {
  return async (context) => {
    const body = expectObject(await context.body());
    const request = {
      user_id: requiredString(body, "user_id"),
      input: requiredString(body, "message"),
      ...(body.context === undefined ? {} : { context: body.context }),
    };
    if (!options.agentUrl) {
      throw new HttpError(
        503,
        `no agent service is configured (set the discovery URL of "${options.agentName}")`,
      );
    }
    const url = `${options.agentUrl}/agent/process`;
    if (wantsEventStream(context.request.headers.accept))
      return pipeStream(context, url, request, options.timeoutMs);
    const answer = await fetchJson(url, {
      body: request,
      timeoutMs: options.timeoutMs,
      requestId: context.requestId,
    });
    const reply = answer.body as { success?: boolean; result?: unknown; error?: { message?: string } } | null;
    if (answer.ok && reply?.success === true) return reply.result;
    throw new HttpError(
      answer.ok ? 502 : answer.status,
      reply?.error?.message ?? `the agent answered ${answer.status}`,
    );
  };
}

async function pipeStream(
  context: RequestContext,
  url: string,
  request: unknown,
  timeoutMs: number,
): Promise<void> {
  const gone = new AbortController();
  context.response.once("close", () => gone.abort());
  // The timeout covers the wait for the agent's headers; a stream under way may take longer.
  const headersTimer = setTimeout(() => gone.abort(new DOMException("timed out", "TimeoutError")), timeoutMs);
  let upstream: Response;
  try {
    upstream = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "text/event-stream",
        [requestIdHeader]: context.requestId,
      },
      body: JSON.stringify(request),
      signal: gone.signal,
    });
  } catch (error) {
    // An abort from the headers timer rejects with its TimeoutError reason, which reads as a 504.
    throw upstreamFailure(error, "POST", url, timeoutMs);
  } finally {
    clearTimeout(headersTimer);
  }
  if (!upstream.ok || !upstream.headers.get("content-type")?.includes("text/event-stream")) {
    const text = await upstream.text();
    let message = `the agent answered ${upstream.status}`;
    try {
      message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? message;
    } catch {
      // not JSON: keep the status line
    }
    throw new HttpError(upstream.ok ? 502 : upstream.status, message);
  }
  context.response.writeHead(200, eventStreamHeaders);
  context.response.flushHeaders();
  try {
    for await (const chunk of upstream.body as unknown as AsyncIterable<Uint8Array>) {
      if (gone.signal.aborted) break;
      context.response.write(chunk);
    }
  } catch {
    // The agent or the client went away mid-stream; end what we have.
  } finally {
    context.response.end();
  }
}
