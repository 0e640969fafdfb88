// The board's calls to the team server (section 14): one operation per request, with the member token of this tab.

/** A LocusResult as the server answers it. */
export type Result<T = Record<string, unknown>> =
  | { success: true; data: T }
  | { success: false; error: { code: string; message: string; details?: Record<string, unknown> } };

const TOKEN_KEY = "locus-token";

/** The token: from the address fragment (`#token=...`, then removed from the address) or this tab's storage. */
export function takeToken(): string | undefined {
  const match = /(?:^#|&)token=([A-Za-z0-9_-]+)/.exec(location.hash);
  if (match) {
    sessionStorage.setItem(TOKEN_KEY, match[1] as string);
    history.replaceState(null, "", location.pathname + location.search);
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}

export function forgetToken(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}

/** Runs one catalog operation. A refusal is a result too; a network failure becomes HSK-500-STORAGE. */
export async function op<T = Record<string, unknown>>(
  token: string,
  operation: string,
  params: Record<string, unknown>,
): Promise<Result<T>> {
  try {
    const response = await fetch(`/v1/ops/${operation}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(params),
    });
    return (await response.json()) as Result<T>;
  } catch (error) {
    return { success: false, error: { code: "HSK-500-STORAGE", message: `the server did not answer: ${String(error)}` } };
  }
}

/** GETs a JSON route of the server. */
export async function getJson<T>(token: string, path: string): Promise<T> {
  const response = await fetch(path, { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

/** One stored Flight Recorder event. */
export interface LocusEvent {
  seq: number;
  event_name: string;
  timestamp: string;
  actor_id: string;
  job_id: string;
  payload: Record<string, unknown>;
}

/** Reads JSON Lines of events. */
export async function getEvents(token: string, query: string): Promise<LocusEvent[]> {
  const response = await fetch(`/v1/events?${query}`, { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`events: HTTP ${response.status}`);
  const text = await response.text();
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as LocusEvent);
}

/**
 * Follows the server's event stream (Server-Sent Events read through fetch, so the token goes in a header), from
 * `since`; reconnects after a drop from the last id seen. Returns the function that stops it.
 */
export function follow(token: string, since: number, onEvent: (event: LocusEvent) => void, onState: (live: boolean) => void): () => void {
  let last = since;
  let stopped = false;
  let controller = new AbortController();
  const run = async (): Promise<void> => {
    while (!stopped) {
      try {
        controller = new AbortController();
        const response = await fetch(`/v1/stream?since=${last}`, {
          headers: { authorization: `Bearer ${token}`, "last-event-id": String(last) },
          signal: controller.signal,
        });
        if (!response.ok || response.body === null) throw new Error(`HTTP ${response.status}`);
        onState(true);
        const reader = response.body.getReader();
        const decoder = new TextDecoder();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (data === undefined) continue;
            const event = JSON.parse(data) as LocusEvent;
            last = Math.max(last, event.seq);
            onEvent(event);
          }
        }
      } catch {
        // dropped: retry below
      }
      onState(false);
      if (!stopped) await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  };
  void run();
  return () => {
    stopped = true;
    controller.abort();
  };
}
