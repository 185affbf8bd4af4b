import { resolveMiniProgramOptions } from '../options/mini-program-options.validation';
import { vector } from '../../test/fixtures/vectors';
import { WeChatPushReader } from './wechat-push.reader';
import type { AuthenticPush, PushRefusal } from './wechat-push.reader';

// WeChat's worked examples of the mini program message-push page (Token AAAAA, EncodingAESKey of 43 'A's), in
// test/fixtures/wechat-vectors.json with their source.
interface PushInputs {
  token: string;
  encodingAesKey?: string;
  appId?: string;
  query: Record<string, string>;
  body: string;
}
const pushVector = (name: string) => vector<PushInputs, { echostr?: string; message: string }>(name);
const urlCheck = pushVector('wechat_push_url_check_official');
const plain = pushVector('wechat_push_plain_json_official');
const safe = pushVector('wechat_push_safe_json_official');
const safeXml = pushVector('wechat_push_safe_xml_official_third_party');

function reader(appId: string, push: Record<string, unknown>) {
  return new WeChatPushReader(resolveMiniProgramOptions({ appId, appSecret: '0123456789abcdef0123456789abcdef', push: push as never }));
}

/** At the moment WeChat sent the example: the timestamp is checked against the clock. */
function at(timestamp: string) {
  jest.spyOn(Date, 'now').mockReturnValue(Number(timestamp) * 1000 + 1500);
}

const refused = (result: AuthenticPush | PushRefusal) => ('reason' in result ? result.status : 'accepted');

describe('WeChatPushReader', () => {
  afterEach(() => jest.restoreAllMocks());

  it("answers WeChat's URL check example with its echostr", () => {
    at(urlCheck.inputs.query.timestamp);
    expect(reader('wxba5fad812f8e6fb9', { token: urlCheck.inputs.token }).verifyUrl(urlCheck.inputs.query)).toEqual({
      echostr: urlCheck.expected.echostr,
    });
  });

  it("reads WeChat's plaintext example", () => {
    at(plain.inputs.query.timestamp);
    const result = reader('wxba5fad812f8e6fb9', { token: plain.inputs.token }).read(plain.inputs.query, plain.inputs.body);
    expect(result).toMatchObject({ message: JSON.parse(plain.expected.message), format: 'json', encrypted: false });
  });

  it("decrypts WeChat's safe-mode JSON example for the mini program's AppID", () => {
    at(safe.inputs.query.timestamp);
    const push = { token: safe.inputs.token, encodingAesKey: safe.inputs.encodingAesKey };
    const result = reader(safe.inputs.appId!, push).read(safe.inputs.query, safe.inputs.body);
    expect(result).toMatchObject({ message: JSON.parse(safe.expected.message), format: 'json', encrypted: true });
    // The same ciphertext for another AppID, or with the plaintext `signature` instead of `msg_signature`, is refused.
    expect(refused(reader('wx0000000000000000', push).read(safe.inputs.query, safe.inputs.body))).toBe(400);
    const { msg_signature: _dropped, ...withoutMsgSignature } = safe.inputs.query;
    expect(refused(reader(safe.inputs.appId!, push).read(withoutMsgSignature, safe.inputs.body))).toBe(401);
  });

  it("decrypts WeChat's safe-mode XML example (a third-party platform's AppID)", () => {
    at(safeXml.inputs.query.timestamp);
    const push = { token: safeXml.inputs.token, encodingAesKey: safeXml.inputs.encodingAesKey };
    const result = reader(safeXml.inputs.appId!, push).read(safeXml.inputs.query, safeXml.inputs.body);
    expect(result).toMatchObject({
      message: { ToUserName: 'gh_97417a04a28d', CreateTime: 1715943329, MsgType: 'event', Event: 'debug_demo', debug_str: 'hello world' },
      format: 'xml',
      encrypted: true,
    });
  });

  it('refuses the examples five minutes later, and the URL check with a changed echostr or signature', () => {
    at(String(Number(safe.inputs.query.timestamp) + 301));
    const push = { token: safe.inputs.token, encodingAesKey: safe.inputs.encodingAesKey };
    expect(refused(reader(safe.inputs.appId!, push).read(safe.inputs.query, safe.inputs.body))).toBe(401);
    at(urlCheck.inputs.query.timestamp);
    const check = reader('wxba5fad812f8e6fb9', { token: urlCheck.inputs.token });
    expect(check.verifyUrl({ ...urlCheck.inputs.query, signature: urlCheck.inputs.query.signature.replace(/.$/, '0') })).toMatchObject({
      status: 401,
    });
    expect(check.verifyUrl({ ...urlCheck.inputs.query, signature: [urlCheck.inputs.query.signature] })).toMatchObject({ status: 401 });
    expect(check.verifyUrl({ ...urlCheck.inputs.query, timestamp: [urlCheck.inputs.query.timestamp] })).toMatchObject({ status: 400 });
  });

  it('answers 404 while push is not configured', () => {
    const unconfigured = new WeChatPushReader(
      resolveMiniProgramOptions({ appId: 'wxba5fad812f8e6fb9', appSecret: '0123456789abcdef0123456789abcdef' }),
    );
    expect(unconfigured.verifyUrl(urlCheck.inputs.query)).toMatchObject({ status: 404 });
    expect(unconfigured.read(plain.inputs.query, plain.inputs.body)).toMatchObject({ status: 404 });
  });
});
