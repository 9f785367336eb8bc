// The rupload.facebook.com stand-in: resumable uploads of a container's video (bytes in the body, or a file_url header), with offsets to resume.
// Docs: https://developers.facebook.com/docs/instagram-platform/content-publishing/resumable-uploads
// Errors use rupload's own shape, `{"debug_info":{"retriable","type","message"}}` (observed; not in the docs).
import { checkToken, isGraphError } from './auth';
import type { Exchange } from './exchange';
import { keepHead, mediaReceived, setError, startDownload } from './processing';
import type { Container, SimState } from './state';

export function ruploadError(ex: Exchange, status: number, type: string, message: string, retriable = false, headers: Record<string, string> = {}): void {
  ex.json(status, { debug_info: { retriable, type, message } }, headers);
}

function intHeader(ex: Exchange, name: string): number | null {
  const raw = ex.header(name);
  if (raw === undefined || !/^\d+$/.test(raw.trim())) return null;
  return Number(raw.trim());
}

/** `POST {uploadBaseUrl}/{ver}/{container-id}` (the guide also shows it without the version). */
export async function handleRupload(ex: Exchange, state: SimState, containerId: string): Promise<void> {
  if (ex.method !== 'POST') {
    await ex.drain();
    return ruploadError(ex, 405, 'MethodNotAllowedError', 'Only POST is supported');
  }
  // rupload reads the token from `Authorization: OAuth <token>` (Bearer and access_token accepted too).
  const m = /^(?:OAuth|Bearer)\s+(\S+)\s*$/i.exec(ex.header('authorization') ?? '');
  const token = checkToken(state, m ? m[1] : ex.url.searchParams.get('access_token'));
  if (isGraphError(token)) {
    await ex.drain();
    return ruploadError(ex, 401, 'AuthError', `${token.message} (code ${token.code}${token.subcode !== undefined ? `, subcode ${token.subcode}` : ''})`);
  }
  const c = state.containers.get(containerId);
  if (!c || !state.canActFor(token, c.igUserId) || c.uploadType !== 'resumable') {
    await ex.drain();
    return ruploadError(ex, 400, 'ProcessingFailedError', `No resumable upload container ${containerId} for this token`);
  }
  if (!token.scopes.includes('instagram_content_publish')) {
    await ex.drain();
    return ruploadError(ex, 403, 'PermissionError', 'The instagram_content_publish permission was not granted');
  }
  state.refreshExpiry(c);
  if (c.statusCode === 'EXPIRED') {
    await ex.drain();
    return ruploadError(ex, 400, 'ProcessingFailedError', 'The container has expired; create a new one');
  }
  if (c.uploadPhase === 'complete' || c.mediaReceived || (c.uploadPhase === 'in_progress' && c.fileSize === null)) {
    await ex.drain();
    return ruploadError(ex, 400, 'ProcessingFailedError', 'The media for this container has already been received');
  }

  const fileUrl = ex.header('file_url');
  if (fileUrl) {
    // A hosted file: Meta fetches it, like video_url.
    await ex.drain();
    c.videoUrl = fileUrl;
    startDownload(state, c, fileUrl);
    return ex.json(200, { success: true, message: 'Upload successful.' });
  }

  const offset = intHeader(ex, 'offset');
  const fileSize = intHeader(ex, 'file_size');
  if (offset === null || fileSize === null || fileSize === 0) {
    await ex.drain();
    return ruploadError(ex, 400, 'ProcessingFailedError', 'The offset and file_size headers are required (or a file_url header)');
  }
  if (c.fileSize !== null && c.fileSize !== fileSize) {
    await ex.drain();
    return ruploadError(ex, 400, 'ProcessingFailedError', `file_size ${fileSize} differs from the ${c.fileSize} given before`);
  }
  if (offset !== c.bytesReceived) {
    await ex.drain();
    // Resume from bytes_transferred (video_status on the container): the offset must match it.
    return ruploadError(ex, 412, 'OffsetInvalidError', `Request starting offset is invalid (expected ${c.bytesReceived})`, true);
  }
  c.fileSize = fileSize;
  c.uploadPhase = 'in_progress';
  const tooMuch = await receive(ex, c, fileSize);
  if (ex.isAnswered) return;
  if (tooMuch) {
    // The container is spoilt, as a failed rupload leaves it: 2207053 "unknown upload error".
    c.uploadPhase = 'error';
    setError(c, 2207053);
    return ruploadError(ex, 400, 'ProcessingFailedError', `The body goes past file_size (${fileSize} bytes)`);
  }
  if (c.bytesReceived === fileSize) mediaReceived(state, c);
  ex.json(200, { success: true, message: 'Upload successful.' });
}

/**
 * Count the body's bytes into the container as they arrive, so an interrupted upload can resume
 * from what got through. True when the body is longer than the file.
 */
async function receive(ex: Exchange, c: Container, fileSize: number): Promise<boolean> {
  let tooMuch = false;
  try {
    for await (const chunk of ex.req) {
      const buf = chunk as Buffer;
      if (tooMuch) continue;
      const room = fileSize - c.bytesReceived;
      const take = buf.length <= room ? buf : buf.subarray(0, room);
      keepHead(c, take, c.bytesReceived);
      c.bytesReceived += take.length;
      if (buf.length > room) tooMuch = true;
    }
  } catch {
    // The client went away mid-body: keep what arrived, answer nobody.
    ex.destroy();
  }
  return tooMuch;
}
