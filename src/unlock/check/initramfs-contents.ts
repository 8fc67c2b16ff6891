/**
 * What `lsinitramfs` says the boot image holds, for remote unlock: the dropbear binary, an
 * authorized_keys for its root, Dropbear host keys, and cryptroot-unlock. A config change only
 * reaches the initramfs with `update-initramfs -u`, so an image older than the config is stale.
 */

export interface InitramfsContents {
  dropbear: boolean;
  authorizedKeys: boolean;
  hostKeys: string[];
  cryptrootUnlock: boolean;
  /** Debian's dropbear hook copies its config next to the keys. */
  dropbearConfig: boolean;
}

export function analyseListing(lines: readonly string[]): InitramfsContents {
  const paths = lines.map((l) => l.trim().replace(/^\.\//, '')).filter(Boolean);
  return {
    dropbear: paths.some((p) => /(?:^|\/)s?bin\/dropbear$/.test(p)),
    authorizedKeys: paths.some((p) => /(?:^|\/)\.ssh\/authorized_keys$/.test(p)),
    hostKeys: paths.filter((p) => /(?:^|\/)etc\/dropbear\/dropbear_[a-z0-9]+_host_key$/.test(p)).map((p) => p.slice(p.lastIndexOf('/') + 1)),
    cryptrootUnlock: paths.some((p) => /(?:^|\/)bin\/cryptroot-unlock$/.test(p)),
    dropbearConfig: paths.some((p) => /(?:^|\/)etc\/dropbear\/(?:config|dropbear\.conf)$/.test(p)),
  };
}

/** Files changed after the image was built (mtimes in seconds); the image then lacks those changes. */
export function newerThanImage(imageMtime: number, files: readonly { path: string; mtime: number | undefined }[]): string[] {
  return files.filter((f) => f.mtime !== undefined && f.mtime > imageMtime).map((f) => f.path);
}
