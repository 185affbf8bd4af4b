import { WeChatInputError } from '../errors/wechat-input.error';
import { mediaCheckBody, textCheckBody } from './security-input';
import { ContentSecurityScene } from './security.interfaces';
import type { MediaCheckInput, TextCheckInput } from './security.interfaces';

const OPENID = 'o7esq5OI1Uej6Xixw1lA2H7XDVbc';

/** The problems of a call's input, or the body when there are none. */
function problemsOf<T>(build: () => T): string[] | T {
  try {
    return build();
  } catch (error) {
    expect(error).toBeInstanceOf(WeChatInputError);
    return (error as WeChatInputError).problems;
  }
}

describe('content security input', () => {
  it('builds the msgSecCheck body with version 2 and WeChat field names, optional fields only when given', () => {
    expect(textCheckBody({ content: '你好', openId: OPENID, scene: ContentSecurityScene.Comment })).toEqual({
      version: 2,
      openid: OPENID,
      scene: 2,
      content: '你好',
    });
    expect(
      textCheckBody({ content: 'bio', openId: OPENID, scene: ContentSecurityScene.Profile, title: 't', nickname: 'n', signature: 's' }),
    ).toEqual({ version: 2, openid: OPENID, scene: 1, content: 'bio', title: 't', nickname: 'n', signature: 's' });
  });

  it('counts 2500 characters as code points, and names every problem of a text at once', () => {
    const astral = '😀'.repeat(2500); // 5000 UTF-16 units, 2500 characters
    expect(textCheckBody({ content: astral, openId: OPENID, scene: 4 }).content).toBe(astral);
    expect(
      problemsOf(() =>
        textCheckBody({
          content: 'x'.repeat(2501),
          openId: 'not an openid',
          scene: 5 as never,
          title: 42 as never,
          nickname: 'bad \ud800 text',
          signature: 'only in profiles',
        }),
      ),
    ).toEqual([
      "openId must be the user's openid: 1 to 128 letters, digits, _ or -",
      'scene must be 1 (profile), 2 (comment), 3 (forum) or 4 (social log): ContentSecurityScene',
      'content must have at most 2500 characters (it has 2501)',
      'title must be text',
      'nickname must be valid Unicode text (it has a lone surrogate, which UTF-8 cannot carry)',
      'signature is only checked in scene 1 (profile): WeChat ignores it in the others',
    ]);
    expect(problemsOf(() => textCheckBody({ content: '  \n', openId: OPENID, scene: 1 }))).toEqual(['content must be non-blank text']);
    expect(problemsOf(() => textCheckBody(null as unknown as TextCheckInput))).toEqual(['the input must be an object']);
  });

  it('builds the mediaCheckAsync body: media_type 2 for images, 1 for audio', () => {
    const image: MediaCheckInput = { mediaUrl: 'https://cdn.example.com/a.png?sig=1', mediaType: 'image', openId: OPENID, scene: 1 };
    expect(mediaCheckBody(image)).toEqual({ version: 2, openid: OPENID, scene: 1, media_url: image.mediaUrl, media_type: 2 });
    expect(mediaCheckBody({ ...image, mediaType: 'audio', mediaUrl: 'http://cdn.example.com/a.mp3' }).media_type).toBe(1);
  });

  it('refuses media URLs WeChat cannot download and unknown media types', () => {
    const input = { openId: OPENID, scene: 2 as const };
    for (const mediaUrl of [
      'ftp://example.com/a.png',
      '/uploads/a.png',
      'https://example.com/a b.png',
      `https://e.com/${'a'.repeat(2048)}`,
    ]) {
      expect(problemsOf(() => mediaCheckBody({ ...input, mediaUrl, mediaType: 'image' }))).toEqual([
        'mediaUrl must be an http(s) URL WeChat can download, at most 2048 characters without spaces',
      ]);
    }
    expect(problemsOf(() => mediaCheckBody({ ...input, mediaUrl: 'https://e.com/v.mp4', mediaType: 'video' as never }))).toEqual([
      "mediaType must be 'image' or 'audio'",
    ]);
  });
});
