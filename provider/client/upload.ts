// Request bodies too large to hold twice (an inventory of thousands of drives): streamed to the
// socket in chunks with progress, and re-opened for every attempt the transport makes.
import { Readable, Transform } from 'node:stream';

export interface UploadBody {
  /** Exact byte length of what open() yields (sent as content-length). */
  length: number;
  /** A fresh stream of the body, called once per attempt. */
  open: () => Readable;
  contentType?: string;
  /** Called with 0 when an attempt starts, then as chunks are handed to the socket. */
  onProgress?: (sentBytes: number, totalBytes: number) => void;
}

const UPLOAD_CHUNK = 64 * 1024;

/** A body factory over a Buffer, handing it out in chunks as the socket asks for them. */
export function bufferUpload(body: Buffer, contentType = 'application/json', onProgress?: UploadBody['onProgress']): UploadBody {
  return {
    length: body.length,
    contentType,
    onProgress,
    open() {
      let at = 0;
      return new Readable({
        highWaterMark: UPLOAD_CHUNK,
        read() {
          if (at >= body.length) return void this.push(null);
          const chunk = body.subarray(at, at + UPLOAD_CHUNK);
          at += chunk.length;
          this.push(chunk);
        },
      });
    },
  };
}

/** The upload's stream for one attempt, counting bytes as they pass on towards the socket. */
export function countedStream(upload: UploadBody): Readable {
  let sent = 0;
  upload.onProgress?.(0, upload.length);
  const source = upload.open();
  const counter = new Transform({
    highWaterMark: UPLOAD_CHUNK,
    transform(chunk: Buffer, _enc, done) {
      sent += chunk.length;
      upload.onProgress?.(sent, upload.length);
      done(null, chunk);
    },
  });
  source.on('error', (e) => counter.destroy(e));
  return source.pipe(counter);
}
