/**
 * Exit codes of `tenant-kit` (documented in docs/codemods.md). Scripts may rely on them.
 * @example if (result.summary.manualReview > 0) return EXIT_CODES.manualReview;
 */
export const EXIT_CODES = {
  /** Done; nothing left for a human. */
  ok: 0,
  /** An unexpected internal error (a bug): the message and stack are printed. */
  internal: 1,
  /** Bad usage: unknown phase or option, invalid config, unloadable project. Nothing was written. */
  usage: 2,
  /** Writing refused: the git tree has uncommitted changes (use --force). Nothing was written. */
  dirtyTree: 3,
  /** Done, but some handlers or uses are listed for manual review. */
  manualReview: 4,
  /** Some files failed to transform; they were left unchanged (other files were processed). */
  fileErrors: 5,
  /** doctor: the database has tenant-isolation problems; each is printed with its fix. */
  doctorFindings: 6,
  /** doctor: it could not connect to or read the database; nothing was judged. */
  doctorFailed: 7,
} as const;

/** One of {@link EXIT_CODES}. */
export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];
