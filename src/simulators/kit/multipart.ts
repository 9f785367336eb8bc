// multipart/form-data bodies with binary parts (an upload's bytes), kept as Buffers.

export interface Part {
  name: string;
  filename?: string;
  data: Buffer;
}

/** The boundary of a multipart Content-Type header, as sent (its case matters). */
export function multipartBoundary(contentType: string | undefined): string {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType ?? '');
  return m ? (m[1] ?? m[2]).trim() : '';
}

export function parseMultipartParts(body: Buffer, boundary: string): Part[] {
  if (!boundary) return [];
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Part[] = [];
  let pos = body.indexOf(delimiter);
  while (pos >= 0) {
    const start = pos + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next < 0) break;
    const part = body.subarray(start + 2, next - 2); // after CRLF, before the CRLF that precedes the next delimiter
    const sep = part.indexOf('\r\n\r\n');
    if (sep >= 0) {
      const head = part.subarray(0, sep).toString('utf8');
      const name = /name="([^"]*)"/i.exec(head)?.[1];
      const filename = /filename="([^"]*)"/i.exec(head)?.[1];
      if (name !== undefined) parts.push({ name, filename, data: part.subarray(sep + 4) });
    }
    pos = next;
  }
  return parts;
}
