import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalDirectoryAvatarStore } from './avatar.store';
import type { AvatarStore } from './avatar.store';
import { pngImage } from './image.spec-kit';

describe('LocalDirectoryAvatarStore', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'mp-avatars-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('names each file itself, by random bytes and the sniffed type, and serves it under the base URL', async () => {
    const store: AvatarStore = new LocalDirectoryAvatarStore(join(dir, 'avatars'), 'https://cdn.example.com/avatars/');
    const bytes = pngImage();
    const first = await store.save({ bytes, contentType: 'image/png', openId: 'o1' });
    const again = await store.save({ bytes, contentType: 'image/png', openId: 'o1' });
    expect(first.key).toMatch(/^[0-9a-f]{64}\.png$/);
    expect(again.key).not.toBe(first.key); // the same image twice: two files, each removable alone
    expect(first.url).toBe(`https://cdn.example.com/avatars/${first.key}`);
    expect(readFileSync(join(dir, 'avatars', first.key))).toEqual(bytes);
    await store.remove(first.key);
    await store.remove(first.key); // gone already: not an error
    expect(readdirSync(join(dir, 'avatars'))).toEqual([again.key]);
  });

  it('removes only names it made', async () => {
    const store: AvatarStore = new LocalDirectoryAvatarStore(dir, 'https://cdn.example.com/avatars');
    const { key } = await store.save({ bytes: pngImage(), contentType: 'image/png', openId: 'o1' });
    for (const name of ['../x.png', `${key}/../../etc/passwd`, '.', '']) await store.remove(name);
    expect(readdirSync(dir)).toEqual([key]);
  });
});
