/**
 * The canary the escape suites plant outside every root: a directory holding a secret
 * file, whose fingerprint (the secret's size and times, the directory's names) changes if
 * anything reads, lists or writes it. Nothing here reads the secret: a read would move the
 * atime the check relies on.
 *
 * @module
 */

/** A planted canary. */
export interface Canary {
  /** The canary directory. */
  dir: string;
  /** The fingerprint: compare one taken before the attempts with one taken after. */
  fingerprint(): Promise<string>;
}

/**
 * Plant `<parent>/canary/secret` holding `secret`, with an atime an hour old.
 *
 * @param parent Where the canary directory goes.
 * @param secret The file's text.
 * @param opts `sub`: also make an empty `canary/sub` directory.
 * @returns The canary.
 */
export async function plantCanary(
  parent: string,
  secret: string,
  opts: { sub?: boolean } = {},
): Promise<Canary> {
  const dir = `${parent}/canary`;
  await Deno.mkdir(opts.sub ? `${dir}/sub` : dir, { recursive: true });
  await Deno.writeTextFile(`${dir}/secret`, secret);
  await Deno.utime(`${dir}/secret`, new Date(Date.now() - 3600_000), new Date());
  return {
    dir,
    async fingerprint() {
      const st = await Deno.stat(`${dir}/secret`);
      const names: string[] = [];
      for await (const e of Deno.readDir(dir)) names.push(e.name);
      return JSON.stringify({
        size: st.size,
        atime: st.atime?.getTime(),
        mtime: st.mtime?.getTime(),
        ctime: st.ctime?.getTime(),
        names: names.sort(),
      });
    },
  };
}
