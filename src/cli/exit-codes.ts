/** The CLI's exit codes (README "Commands"): users' scripts and CI branch on them. */
export const EXIT = {
  ok: 0,
  /** A threshold or gate failed. */
  failed: 1,
  /** Usage or invalid input: nothing was sent. */
  invalid: 2,
  /** The run could not be carried out (target unreachable, aborted). */
  couldNotRun: 3,
} as const;
