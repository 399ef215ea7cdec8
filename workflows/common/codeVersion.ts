// The code version shown as FloeCodeVersion: set when a run is started (by the CLI, a schedule's
// action or a parent run) to the version of the code that started it, and handed down to the
// runs it starts. Read from the run's own search attributes, so it is deterministic on replay.
import { workflowInfo } from '@temporalio/workflow';
import { FloeCodeVersion } from '../searchAttributes.js';

export function inheritedCodeVersion(): string {
  return workflowInfo().typedSearchAttributes.get(FloeCodeVersion) ?? 'unknown';
}
