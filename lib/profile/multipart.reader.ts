import busboy from 'busboy';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';

/** One uploaded file, held in memory (its size was capped while it was read). @internal */
export interface MultipartFile {
  field: string;
  bytes: Buffer;
  /** As the client named it, path and all: never used for anything (only a path in it is refused). */
  filename?: string;
}

/** A multipart/form-data body read within limits: its text fields and at most one file. @internal */
export interface MultipartBody {
  fields: Record<string, string>;
  file?: MultipartFile;
}

/** Why a body was refused, with the status it gets. @internal */
export class MultipartRefusal extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    message: string,
  ) {
    super(message);
  }
}

/** Limits of one body. @internal */
export interface MultipartLimits {
  /** Largest file, in bytes. */
  fileBytes: number;
  /** The only fields and file field accepted; anything else is refused. */
  fields: readonly string[];
  fileField: string;
  /** Largest text field, in bytes. */
  fieldBytes?: number;
}

/**
 * Reads a multipart/form-data body with busboy, refusing it as soon as it breaks a limit: a file over `fileBytes`
 * (413), a second file, an unknown field or file field, a field over `fieldBytes` (400), a body that is not
 * multipart (415) or that ends early (400). Nothing is written anywhere: the caller decides what to keep.
 * @internal
 */
export function readMultipart(
  headers: IncomingHttpHeaders,
  stream: Readable | IncomingMessage,
  limits: MultipartLimits,
): Promise<MultipartBody> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers,
        // The file name as sent (busboy keeps only its last segment by default), so that a path in it can be refused.
        preservePath: true,
        limits: {
          fileSize: limits.fileBytes,
          // One more than allowed of each, so that the extra one is seen (and refused by name) rather than dropped.
          files: 2,
          fields: limits.fields.length + 1,
          fieldSize: limits.fieldBytes ?? 1024,
          parts: limits.fields.length + 3,
        },
      });
    } catch {
      reject(new MultipartRefusal(415, 'the body must be multipart/form-data'));
      return;
    }
    const fields: Record<string, string> = Object.create(null) as Record<string, string>;
    let file: MultipartFile | undefined;
    let sawFile = false;
    let failed = false;
    const fail = (refusal: MultipartRefusal) => {
      if (failed) return;
      failed = true;
      stream.unpipe(parser);
      stream.resume(); // drain what is left without keeping it
      reject(refusal);
    };
    parser.on('field', (name, value, info) => {
      if (!limits.fields.includes(name) || name in fields)
        return fail(new MultipartRefusal(400, `unexpected field "${name.slice(0, 40)}"`));
      if (info.valueTruncated) return fail(new MultipartRefusal(400, `field "${name}" is too long`));
      fields[name] = value;
    });
    parser.on('file', (name, content, info) => {
      if (name !== limits.fileField || sawFile) {
        content.resume();
        return fail(
          new MultipartRefusal(400, name === limits.fileField ? 'one file only' : `unexpected file field "${name.slice(0, 40)}"`),
        );
      }
      sawFile = true;
      const chunks: Buffer[] = [];
      content.on('data', (chunk: Buffer) => chunks.push(chunk));
      content.on('limit', () => fail(new MultipartRefusal(413, `the file is larger than ${limits.fileBytes} bytes`)));
      content.on('end', () => {
        if (!failed) file = { field: name, bytes: Buffer.concat(chunks), filename: info.filename };
      });
    });
    parser.on('filesLimit', () => fail(new MultipartRefusal(400, 'one file only')));
    parser.on('fieldsLimit', () => fail(new MultipartRefusal(400, 'too many fields')));
    parser.on('partsLimit', () => fail(new MultipartRefusal(400, 'too many parts')));
    parser.on('error', () => fail(new MultipartRefusal(400, 'the multipart body is malformed')));
    parser.on('close', () => {
      if (!failed) resolve({ fields, file });
    });
    stream.on('error', () => fail(new MultipartRefusal(400, 'the body could not be read')));
    stream.pipe(parser);
  });
}
