import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { SniffedImageType } from '../utils/image-sniff';

/** Where a stored avatar is, and the URL that shows it. @publicApi */
export interface StoredAvatar {
  /** The store's own name for it, given back to {@link AvatarStore.remove}. */
  key: string;
  /** The URL the account keeps and the mini program shows; WeChat's content check downloads it too. */
  url: string;
}

/**
 * Where uploaded avatars go: a local directory for development (`LocalDirectoryAvatarStore`), object storage in
 * production (implement `save` and `remove` with your storage's SDK). The module hands it bytes whose type it has
 * sniffed itself; names are the store's, never the client's.
 * @publicApi
 */
export interface AvatarStore {
  save(avatar: { bytes: Buffer; contentType: SniffedImageType; openId: string }): Promise<StoredAvatar>;
  /** Removes a stored avatar (withdrawn after a risky verdict, or replaced); a missing one is not an error. */
  remove(key: string): Promise<void>;
}

const EXTENSIONS: Record<SniffedImageType, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/gif': 'gif', 'image/webp': 'webp' };

/**
 * Avatars as files in a directory, named by 32 random bytes and the type sniffed from their bytes (so no client-given
 * name ever reaches the file system), served by the host under `publicBaseUrl` (e.g. with
 * `app.useStaticAssets(directory, { prefix: '/avatars/' })` on Express or `@fastify/static` on Fastify). Random rather
 * than content names: two users (or one, twice) uploading the same image get files of their own, so removing one
 * user's replaced avatar never takes down another's, and each upload is a URL WeChat has not checked before (it
 * refuses the same request repeated too often, 87020). For development and small deployments.
 * @publicApi
 */
export class LocalDirectoryAvatarStore implements AvatarStore {
  private readonly directory: string;

  constructor(
    directory: string,
    /** The URL the directory is served at, e.g. `https://api.example.com/avatars`. */
    private readonly publicBaseUrl: string,
  ) {
    this.directory = resolve(directory);
  }

  async save({ bytes, contentType }: { bytes: Buffer; contentType: SniffedImageType }): Promise<StoredAvatar> {
    const key = `${randomBytes(32).toString('hex')}.${EXTENSIONS[contentType]}`;
    await mkdir(this.directory, { recursive: true });
    await writeFile(join(this.directory, key), bytes, { flag: 'wx' }); // never over another file
    return { key, url: `${this.publicBaseUrl.replace(/\/+$/, '')}/${key}` };
  }

  async remove(key: string): Promise<void> {
    // Only names this store made: 64 hex digits and an extension.
    if (!/^[0-9a-f]{64}\.(png|jpg|gif|webp)$/.test(key)) return;
    await rm(join(this.directory, key), { force: true });
  }
}
