// HTTP calls to the DAIS API on the page's own origin. Read calls return the
// parsed JSON or throw ApiError; control calls carry the operator's token as
// `Authorization: Bearer` and report the server's answer without throwing.

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export async function getJson(path) {
  const response = await fetch(path, { headers: { Accept: 'application/json' }, cache: 'no-store' });
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, body?.error ?? `HTTP ${response.status}`);
  return body;
}

// Returns {ok, status, body}; network failures come back as status 0.
export async function postControl(path, token, body = undefined) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  try {
    const response = await fetch(path, {
      method: 'POST',
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
    });
    const parsed = await response.json().catch(() => ({}));
    return { ok: response.ok, status: response.status, body: parsed };
  } catch (error) {
    return { ok: false, status: 0, body: { error: `network error: ${error.message}` } };
  }
}

// Calls `task` every `intervalMs` while the page is visible, never twice at once.
export function poll(task, intervalMs) {
  let timer = null;
  const run = async () => {
    timer = null;
    if (document.visibilityState === 'visible') {
      try {
        await task();
      } catch (error) {
        console.warn('dashboard poll failed:', error);
      }
    }
    timer = setTimeout(run, intervalMs);
  };
  run();
  return () => timer && clearTimeout(timer);
}
