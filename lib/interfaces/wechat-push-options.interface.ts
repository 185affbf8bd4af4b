/**
 * Receiving WeChat's message push (消息推送): the values of the mini program's "消息推送配置".
 * @publicApi
 */
export interface MiniProgramPushOptions {
  /** The Token (令牌): 3–32 letters or digits, as set in the mini program's console. Never logged. */
  token: string;
  /**
   * The EncodingAESKey (消息加密密钥, 43 characters). With it every push must come encrypted (compatible or safe
   * mode): a plaintext push is refused. Without it the push must be in plaintext mode. Never logged.
   */
  encodingAesKey?: string;
  /** The data format (数据格式) set in the console; a push in the other format is refused. Default: either is read. */
  format?: 'json' | 'xml';
  /**
   * How far a push's `timestamp` may be from this server's clock, in seconds; an older (or later) push is refused, so
   * that a recorded push cannot be replayed once its receipt is gone. Default: 300.
   */
  maxAgeSeconds?: number;
  /** How long the receipt of a handled push is kept to recognise its redeliveries, in seconds (at least twice `maxAgeSeconds`). Default: 86400. */
  dedupeTtlSeconds?: number;
}

/** `push` after defaults were applied and validation passed. @publicApi */
export interface ResolvedPushOptions {
  token: string;
  encodingAesKey?: string;
  format?: 'json' | 'xml';
  maxAgeSeconds: number;
  dedupeTtlSeconds: number;
}
