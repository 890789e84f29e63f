// POST /agent/process: load the user's conversation, answer (built-in or LLM), save the conversation.
// As JSON by default, or as server-sent events (`data: {"delta"}` … `event: done`) when the client
// accepts text/event-stream. The first chunk is awaited before anything is sent, so a failing model
// or tool still gets a proper JSON error status.
import { HttpError } from "../../_shared/errors.js";
import type { Logger } from "../../_shared/log.js";
import type { Handler } from "../../_shared/router.js";
import { openEventStream, wantsEventStream } from "../../_shared/sse.js";
import { expectObject, requiredString } from "../../_shared/validate.js";
import { type ConversationStore, conversationKey, createKeyedQueue } from "./conversation.js";
import type { Responder, ToolCall, Turn } from "./types.js";

/** What the handler needs. */
export interface ProcessDependencies {
  responder: Responder;
  conversations: ConversationStore;
  historyTurns: number;
  logger: Logger;
}

/** The /agent/process handler. */
export function processHandler(deps: ProcessDependencies): Handler {
  const oneAtATime = createKeyedQueue();
  return async (context) => {
    const body = expectObject(await context.body());
    const userId = requiredString(body, "user_id");
    const input = requiredString(body, "input");
    const stream = wantsEventStream(context.request.headers.accept);
    return oneAtATime(userId, async () => {
      const history = await deps.conversations.load(userId, context.requestId);
      const gone = new AbortController();
      context.response.once("close", () => gone.abort());
      const reply = await deps.responder.respond(
        { input, history, context: body.context, requestId: context.requestId, signal: gone.signal },
        { stream },
      );
      const chunks = reply.chunks[Symbol.asyncIterator]();
      const first = await chunks.next();
      const finish = async (output: string) => {
        const turns: Turn[] = [
          ...history,
          { role: "user", content: input },
          { role: "assistant", content: output },
        ];
        await deps.conversations.save(userId, turns.slice(-deps.historyTurns), context.requestId);
        return result(output, userId, reply.toolCalls, deps.responder.kind);
      };
      if (!stream) {
        let output = first.done ? "" : first.value;
        for (let step = await chunks.next(); !step.done; step = await chunks.next()) output += step.value;
        return finish(output);
      }
      const events = openEventStream(context.response);
      let output = "";
      try {
        for (let step = first; !step.done; step = await chunks.next()) {
          output += step.value;
          if (!events.send({ delta: step.value })) return;
        }
        events.send(await finish(output), "done");
      } catch (error) {
        const status = error instanceof HttpError ? error.status : 500;
        if (!(error instanceof HttpError)) deps.logger.error("stream failed", { error: String(error) });
        events.send(
          { status, message: error instanceof HttpError ? error.message : "internal error" },
          "error",
        );
      } finally {
        events.end();
      }
      return undefined;
    });
  };
}

function result(output: string, userId: string, toolCalls: ToolCall[], responder: string) {
  return { output, conversation_id: conversationKey(userId), tool_calls: toolCalls, responder };
}
