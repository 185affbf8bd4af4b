import { WeChatInputError } from '../errors/wechat-input.error';
import { sniffImageType } from '../utils/image-sniff';
import type { WeChatJson } from '../wechat/wechat-http.client';
import type { TempImageUploadOptions, TempMedia } from './customer-service.interfaces';

// A temporary image (新增图片素材, `cgi-bin/media/upload?type=image`) is checked before it is sent: WeChat takes PNG, JPEG
// and GIF ("支持PNG\JPEG\JPG\GIF格式") of at most 2 MB, and answers 40005 for a file whose type or extension is not an
// image's. The type is read from the bytes, never from a name or a declared type: a renamed script is refused here, and
// an upload of the wrong thing costs no round trip.

/**
 * The largest temporary image WeChat takes, in bytes: 2 MB, as WeChat's page of temporary media states it (文件大小限制:
 * 图片2MB; the same page's older list says 10M, the mini program pages say nothing). The smaller figure is the one that
 * never fails.
 * @publicApi
 */
export const CUSTOMER_SERVICE_IMAGE_MAX_BYTES = 2 * 1024 * 1024;

/** The image types WeChat takes, with the file extensions of each (the first one for names made here). */
const TAKEN: ReadonlyMap<string, readonly string[]> = new Map([
  ['image/png', ['png']],
  ['image/jpeg', ['jpg', 'jpeg']],
  ['image/gif', ['gif']],
]);

/** A file name: no path, no quotes, no control characters. */
// eslint-disable-next-line no-control-regex -- control characters are what it refuses
const FILENAME = /^[^\u0000-\u001f\u007f"\\/]{1,128}$/;

/** A checked image, as it is sent. @internal */
export interface TempImageUpload {
  bytes: Uint8Array;
  contentType: string;
  filename: string;
}

/**
 * Checks an image to upload: bytes of a PNG, JPEG or GIF of at most {@link CUSTOMER_SERVICE_IMAGE_MAX_BYTES}, and a file
 * name and declared type (when given) that agree with them.
 * @throws WeChatInputError naming every problem; nothing is sent.
 * @internal
 */
export function checkedTempImage(bytes: Uint8Array, options: TempImageUploadOptions = {}): TempImageUpload {
  const problems: string[] = [];
  if (!(bytes instanceof Uint8Array)) throw new WeChatInputError('customerServiceMessage.uploadTempMedia', ['bytes must be a Buffer']);
  const sniffed = sniffImageType(bytes);
  const extensions = sniffed === undefined ? undefined : TAKEN.get(sniffed);
  if (bytes.length === 0) problems.push('the image is empty');
  else if (!extensions) problems.push('the bytes are not a PNG, JPEG or GIF image: WeChat takes no other type');
  if (bytes.length > CUSTOMER_SERVICE_IMAGE_MAX_BYTES) {
    problems.push(`the image has ${bytes.length} bytes: WeChat takes at most ${CUSTOMER_SERVICE_IMAGE_MAX_BYTES} (2 MB)`);
  }
  const declared = options.contentType?.trim().toLowerCase().replace('image/jpg', 'image/jpeg');
  if (options.contentType !== undefined && extensions && declared !== sniffed) {
    problems.push(`contentType ${JSON.stringify(options.contentType)} is not what the bytes are (${sniffed})`);
  }
  const { filename } = options;
  if (filename !== undefined) {
    const extension = typeof filename === 'string' ? /\.([A-Za-z0-9]+)$/.exec(filename)?.[1]?.toLowerCase() : undefined;
    if (typeof filename !== 'string' || !FILENAME.test(filename)) {
      problems.push('filename must be a file name of 1 to 128 characters, without a path, quotes or control characters');
    } else if (extensions && (extension === undefined || !extensions.includes(extension))) {
      problems.push(`filename must end in .${extensions.join(' or .')}, as the image is ${sniffed} (WeChat refuses another extension)`);
    }
  }
  if (problems.length > 0) throw new WeChatInputError('customerServiceMessage.uploadTempMedia', problems);
  const contentType = sniffed as string;
  return { bytes, contentType, filename: filename ?? `image.${(extensions as readonly string[])[0]}` };
}

/** The multipart body of an upload: the image as the `media` file, as WeChat's `curl -F media=@image.png` sends it. @internal */
export function tempImageForm(upload: TempImageUpload): FormData {
  const form = new FormData();
  form.append('media', new Blob([upload.bytes], { type: upload.contentType }), upload.filename);
  return form;
}

/**
 * `media/upload`'s answer: the media id (without it the upload is of no use: `undefined`, for an `invalid-response`),
 * and when WeChat took it (`created_at`, seconds, sometimes quoted).
 * @internal
 */
export function readTempMedia(json: WeChatJson, now: Date = new Date()): TempMedia | undefined {
  const mediaId = json.media_id;
  if (typeof mediaId !== 'string' || mediaId === '') return undefined;
  const seconds = typeof json.created_at === 'string' && /^\d{1,12}$/.test(json.created_at) ? Number(json.created_at) : json.created_at;
  const createdAt = typeof seconds === 'number' && Number.isSafeInteger(seconds) && seconds > 0 ? new Date(seconds * 1000) : now;
  return { mediaId, createdAt };
}
