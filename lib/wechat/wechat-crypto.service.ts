import { Inject, Injectable } from '@nestjs/common';
import { decryptUserData, loginStateSignature, rawDataSignature, WeChatWatermark } from '../crypto/user-data.crypto';
import { safeEqual } from '../crypto/safe-equal.util';
import { MINI_PROGRAM_OPTIONS } from '../mini-program.constants';
import type { ResolvedMiniProgramOptions } from '../interfaces';

/**
 * The mini program's data crypto, bound to the configured AppID: decrypting `encryptedData`
 * (with the watermark checked) and checking the signatures WeChat attaches to user data.
 * @publicApi
 */
@Injectable()
export class WeChatCryptoService {
  constructor(@Inject(MINI_PROGRAM_OPTIONS) private readonly options: ResolvedMiniProgramOptions) {}

  /**
   * Decrypts `encryptedData` of any open-data API with a user's session key; the watermark
   * must name this mini program.
   * @throws UserDataDecryptError
   */
  decrypt<T = Record<string, unknown>>(encryptedData: string, iv: string, sessionKey: string): T & { watermark?: WeChatWatermark } {
    return decryptUserData<T>(encryptedData, iv, sessionKey, this.options.appId);
  }

  /** Whether `signature` of `wx.getUserInfo()` matches `rawData` under the session key (constant time). */
  verifyRawData(rawData: string, signature: string, sessionKey: string): boolean {
    return typeof signature === 'string' && safeEqual(rawDataSignature(rawData, sessionKey), signature.toLowerCase());
  }

  /** The user login-state signature of a request body (HMAC-SHA256 keyed by the session key string). */
  loginStateSignature(sessionKey: string, body = ''): string {
    return loginStateSignature(sessionKey, body);
  }
}
