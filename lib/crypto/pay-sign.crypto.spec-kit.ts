/** What the WeChat Pay v2 signing specs share: the paySign vector and the typed-error check. */
import { vector } from '../../test/fixtures/vectors';
import { PayCryptoError } from '../errors/pay-crypto.error';
import { thrown } from './crypto.spec-kit';
import { JsapiPayParams } from './pay-sign.crypto';

export const payVector = vector<
  { params_md5: JsapiPayParams; params_hmac: JsapiPayParams; key: string },
  { paySign_md5: string; paySign_hmac_sha256: string }
>('miniprogram_requestPayment_paySign_md5_and_hmac');

/** The PayCryptoError `run` throws. */
export function catchPayCryptoError(run: () => unknown): PayCryptoError {
  return thrown(PayCryptoError, run);
}
