/** Why a WeChat Pay v2 XML document was refused. @publicApi */
export type PayXmlReason = 'TOO_LARGE' | 'DOCTYPE' | 'MALFORMED' | 'NOT_FLAT' | 'NO_ROOT';

const MESSAGES: Record<PayXmlReason, string> = {
  TOO_LARGE: 'the document is larger than allowed',
  DOCTYPE: 'the document holds a DOCTYPE, ENTITY or other markup declaration or comment ("<!" outside CDATA)',
  MALFORMED: 'the document is not well-formed UTF-8 XML',
  NOT_FLAT: 'the root element must hold only simple text elements, each at most once, without attributes',
  NO_ROOT: 'the document has no root element of the expected name',
};

/**
 * A WeChat Pay v2 XML document (a notification, an API answer or a decrypted `req_info`) was
 * refused before or while it was parsed. The message never quotes the document.
 * @publicApi
 */
export class PayXmlError extends Error {
  override readonly name = 'PayXmlError';

  constructor(
    readonly reason: PayXmlReason,
    options?: { cause?: unknown },
  ) {
    super(`Invalid WeChat Pay XML: ${MESSAGES[reason]}`, options);
  }
}
