// A spawned collector is ready once /readyz answers 200 (its open orders restored).
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitReady(base: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const res = await fetch(`${base}/readyz`).catch(() => undefined);
    if (res?.ok) return;
    await sleep(200);
  }
  throw new Error(`${base}/readyz not ready within 120 s`);
}
