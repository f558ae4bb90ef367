import { authHeaders } from "./token";

/** An API error with the server's code and message ({ error: { code, message } }). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export async function errorOf(response: Response): Promise<ApiError> {
  const body = (await response.json().catch(() => undefined)) as { error?: { code?: string; message?: string } | string } | undefined;
  const error = body?.error;
  if (typeof error === "object" && error) return new ApiError(response.status, error.code ?? `HTTP_${response.status}`, error.message ?? response.statusText);
  return new ApiError(response.status, `HTTP_${response.status}`, typeof error === "string" ? error : `${response.status} ${response.statusText}`);
}

/** Calls the app's own JSON routes with the caller's token; a non-2xx answer throws an ApiError. */
export async function api<T>(token: string | null, path: string, init: RequestInit = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, { ...init, headers: { ...authHeaders(token), ...(init.headers as Record<string, string> | undefined) } });
  } catch (error) {
    throw new ApiError(0, "ERR_NETWORK", `The server did not answer (${(error as Error).message}). Is wellness serve running?`);
  }
  if (!response.ok) throw await errorOf(response);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

export interface UploadProgress {
  loaded: number;
  total: number;
}

/**
 * POSTs a file as the request body with upload progress (fetch cannot report upload progress,
 * XMLHttpRequest can). Resolves with the JSON answer.
 */
export function upload<T>(token: string | null, path: string, file: Blob, onProgress: (progress: UploadProgress) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", path);
    for (const [name, value] of Object.entries(authHeaders(token))) request.setRequestHeader(name, value);
    request.setRequestHeader("Content-Type", "application/octet-stream");
    request.upload.onprogress = (event) => onProgress({ loaded: event.loaded, total: event.lengthComputable ? event.total : file.size });
    request.onerror = () => reject(new ApiError(0, "ERR_NETWORK", "The upload did not reach the server. Is wellness serve running?"));
    request.onload = () => {
      let body: unknown;
      try {
        body = JSON.parse(request.responseText);
      } catch {
        body = undefined;
      }
      if (request.status >= 200 && request.status < 300) resolve(body as T);
      else {
        const error = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
        reject(new ApiError(request.status, error?.code ?? `HTTP_${request.status}`, error?.message ?? `Upload failed with ${request.status}.`));
      }
    };
    request.send(file);
  });
}
