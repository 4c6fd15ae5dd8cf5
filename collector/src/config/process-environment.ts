// The only place the process environment is read: everything else is handed what it needs, so a
// test or the demo can run the collector with an environment of its own.

export function processEnvironment(): NodeJS.ProcessEnv {
  return process.env;
}
