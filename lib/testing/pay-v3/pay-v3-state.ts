import { randomBytes, X509Certificate } from 'node:crypto';
import { certificateSerialNo, loadPayV3PublicKey, payV3Message, signPayV3 } from '../../crypto/pay-v3.crypto';
import type { KeyObject } from 'node:crypto';
import { createNonceStr } from '../../crypto/random.util';
import { SIMULATOR_DEV_V3 } from '../dev-keys/dev-v3-keys';
import type { PayState } from '../pay/pay-state';
import { SimulatorInputError } from '../server/simulator-http';
import { asInput } from '../server/simulator-state';
import { rfc3339 } from './pay-v3-format';
import { PayV3Notifications } from './pay-v3-notifications';
import type { SimPayV3Mode, SimPayV3Settings, SimPayV3SettingsInput } from './pay-v3.interfaces';
import type { SimulatorMerchant } from '../pay/pay.interfaces';
import { TransferState } from '../transfers/transfer-state';
import { ProfitSharingState } from '../profit-sharing/profit-sharing-state';

/** A merchant with API v3 credentials, its certificate's public key and serial loaded. @internal */
export interface V3Merchant {
  merchant: SimulatorMerchant;
  apiV3Key: string;
  publicKey: KeyObject;
  serialNo: string;
}

/** A platform certificate the simulator can list. @internal */
interface PlatformCert {
  serialNo: string;
  certificate: string;
  privateKey: string;
}

const CURRENT: PlatformCert = {
  serialNo: SIMULATOR_DEV_V3.platformSerialNo,
  certificate: SIMULATOR_DEV_V3.platformCertificate,
  privateKey: SIMULATOR_DEV_V3.platformPrivateKey,
};
const NEXT: PlatformCert = {
  serialNo: SIMULATOR_DEV_V3.nextPlatformSerialNo,
  certificate: SIMULATOR_DEV_V3.nextPlatformCertificate,
  privateKey: SIMULATOR_DEV_V3.nextPlatformPrivateKey,
};

/**
 * The WeChat Pay API v3 side of the simulator: the merchants' v3 credentials, the signing identity (WeChat Pay public
 * key or platform certificate, with rotation), the signing of answers and the bills waiting to be downloaded. The v3
 * notifications of v3 orders and refunds, which share the orders and refunds of {@link PayState}, are sent by its
 * {@link PayV3Notifications}.
 * @internal
 */
export class PayV3State {
  readonly merchants = new Map<string, V3Merchant>();
  /** The merchant transfers (商家转账) of v3 merchants. */
  readonly transfers: TransferState;
  /** The profit sharing (分账) of v3 merchants. */
  readonly profitSharing: ProfitSharingState;
  private mode: SimPayV3Mode;
  private rotated = false;
  private readonly billTokens = new Map<string, { mchId: string; file: Buffer; expiresAt: number }>();

  constructor(
    readonly pay: PayState,
    mode: SimPayV3Mode,
  ) {
    this.mode = mode;
    for (const merchant of pay.merchants.values()) {
      if (!merchant.v3) continue;
      this.merchants.set(merchant.mchId, {
        merchant,
        apiV3Key: merchant.v3.apiV3Key,
        publicKey: loadPayV3PublicKey(merchant.v3.merchantCertificate),
        serialNo: certificateSerialNo(merchant.v3.merchantCertificate),
      });
    }
    pay.v3 = new PayV3Notifications(this);
    this.transfers = new TransferState(this);
    this.profitSharing = new ProfitSharingState(this);
    pay.sim.resetHooks.push(() => this.billTokens.clear());
  }

  /** The current settings. */
  settings(): SimPayV3Settings {
    return { mode: this.mode, rotated: this.rotated, serial: this.signer().serial };
  }

  /** Changes the mode and/or the rotation (`POST /__sim/v3`). */
  configure(input: SimPayV3SettingsInput): SimPayV3Settings {
    const raw = asInput(input);
    if (raw.mode !== undefined && raw.mode !== 'public-key' && raw.mode !== 'certificate') {
      throw new SimulatorInputError("mode must be 'public-key' or 'certificate'");
    }
    if (raw.rotate !== undefined && typeof raw.rotate !== 'boolean') throw new SimulatorInputError('rotate must be a boolean');
    if (raw.mode !== undefined) this.mode = raw.mode as SimPayV3Mode;
    if (raw.rotate !== undefined) this.rotated = raw.rotate;
    return this.settings();
  }

  /** The key answers and notifications are signed with now, and the `Wechatpay-Serial` naming it. */
  signer(): { serial: string; privateKey: string } {
    if (this.mode === 'public-key') return { serial: SIMULATOR_DEV_V3.publicKeyId, privateKey: SIMULATOR_DEV_V3.wechatPayPrivateKey };
    const cert = this.rotated ? NEXT : CURRENT;
    return { serial: cert.serialNo, privateKey: cert.privateKey };
  }

  /** The platform certificates `GET /v3/certificates` lists; none in public-key mode. */
  platformCertificates(): Array<{ serialNo: string; certificate: string; effective: string; expire: string }> {
    if (this.mode === 'public-key') return [];
    return (this.rotated ? [CURRENT, NEXT] : [CURRENT]).map((cert) => {
      const x509 = new X509Certificate(cert.certificate);
      return {
        serialNo: cert.serialNo,
        certificate: cert.certificate,
        effective: rfc3339(Date.parse(x509.validFrom)),
        expire: rfc3339(Date.parse(x509.validTo)),
      };
    });
  }

  /** Signed headers over `body` (answers and notifications). */
  signedHeaders(body: string, options: { timestamp?: number; serial?: string } = {}): Record<string, string> {
    const signer = this.signer();
    const timestamp = String(options.timestamp ?? Math.floor(this.pay.now() / 1000));
    const nonce = createNonceStr(32);
    return {
      'wechatpay-nonce': nonce,
      'wechatpay-signature': signPayV3(payV3Message(timestamp, nonce, body), signer.privateKey),
      'wechatpay-timestamp': timestamp,
      'wechatpay-serial': options.serial ?? signer.serial,
    };
  }

  /** The APIv3 key of a merchant, which encrypts its notification resources; 409 for a merchant without v3 credentials. */
  apiV3Key(mchId: string): string {
    const v3 = this.merchants.get(mchId);
    if (!v3) throw new SimulatorInputError(`merchant ${mchId} has no API v3 credentials`, 409);
    return v3.apiV3Key;
  }

  /** Keeps a bill for `GET /v3/billdownload/file` and gives its token (valid 30 s of simulated time, as WeChat). */
  storeBill(mchId: string, file: Buffer): string {
    const now = this.pay.now();
    for (const [token, bill] of this.billTokens) if (bill.expiresAt <= now) this.billTokens.delete(token);
    const token = randomBytes(24).toString('base64url');
    this.billTokens.set(token, { mchId, file, expiresAt: now + 30_000 * Math.max(this.pay.config.timeScale, 1) });
    return token;
  }

  bill(mchId: string, token: string): Buffer | undefined {
    const bill = this.billTokens.get(token);
    if (!bill || bill.mchId !== mchId || bill.expiresAt <= this.pay.now()) return undefined;
    return bill.file;
  }
}
