import { WeChatInputError } from '../errors/wechat-input.error';

/** An openid of WeChat's shape. */
export const OPENID = 'o7esq5OI1Uej6Xixw1lA2H7XDVbc';

/** A 1×1 PNG. */
export const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

/** The problems a call's input has (it must throw a WeChatInputError for them), or `[]` when it passes. */
export function problemsOf(call: () => unknown): string[] {
  try {
    call();
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(WeChatInputError);
    return (error as WeChatInputError).problems;
  }
}
