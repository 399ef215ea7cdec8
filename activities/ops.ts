// Activities of the operations workflows (schedules, backfills). They only report facts about the
// worker that runs them: the workflows themselves start children and never touch data.
export interface OpsActivityDeps {
  /** Version of the code this worker runs (package version + workflow bundle hash). */
  codeVersion: string;
}

export function createOpsActivities(deps: OpsActivityDeps) {
  return {
    /** Read as a local activity, so the run records which code executed it. */
    async codeVersion(): Promise<string> {
      return deps.codeVersion;
    },
  };
}

export type OpsActivities = ReturnType<typeof createOpsActivities>;
