// Which rule set is in force when the files and the stored versions disagree (pure).
//
// The newest version is in force. The files are a version's source too: when they change (at
// start, or while running) they become a new version and so win over earlier API edits. When they
// are unchanged since the newest `file` version, an API edit made after it stays in force across
// restarts: people who keep their rules in git edit the files, people who use the API are not
// undone by a restart.

export interface StartInputs {
  /** Hash of the valid set in the files, or undefined when the files are not a valid set. */
  filesHash: string | undefined;
  /** Hash of the newest `file` version, if any. */
  lastFileHash: string | undefined;
  /** Whether any version is stored. */
  hasVersions: boolean;
}

export type StartDecision =
  /** The files become a new `file` version, which is in force. */
  | { kind: 'record-files' }
  /** The newest stored version stays in force (the files are unchanged, or invalid). */
  | { kind: 'keep-latest' }
  /** Nothing valid anywhere: the built-in defaults run. */
  | { kind: 'defaults' };

export function decideAtStart(inputs: StartInputs): StartDecision {
  if (inputs.filesHash !== undefined) {
    if (inputs.filesHash !== inputs.lastFileHash || !inputs.hasVersions) return { kind: 'record-files' };
    return { kind: 'keep-latest' };
  }
  return inputs.hasVersions ? { kind: 'keep-latest' } : { kind: 'defaults' };
}

/** While running: a valid set read from the files is a new version only if it differs from the last one read. */
export function filesChanged(filesHash: string, lastFileHash: string | undefined): boolean {
  return filesHash !== lastFileHash;
}
