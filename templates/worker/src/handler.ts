// YOUR CODE GOES HERE: what the worker does with one event. Return a JSON-able summary (it becomes the
// `handled` field of the answer). Throw an HttpError with a 4xx to reject an event for good, or any
// other error (answered 500) to have the broker deliver it again.
import type { Logger } from "../../_shared/log.js";

/** One delivered event. */
export interface DeliveredEvent {
  topic: string;
  id: string;
  /** The event's body as delivered (a JSON object). */
  payload: Record<string, unknown>;
}

/** Handles one event; the template only logs it and describes what it got. */
export async function handleEvent(event: DeliveredEvent, logger: Logger): Promise<unknown> {
  const fields = Object.keys(event.payload).sort();
  logger.info("event", { topic: event.topic, id: event.id, fields });
  return { fields };
}
