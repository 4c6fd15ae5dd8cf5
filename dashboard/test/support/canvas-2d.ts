// jsdom has no canvas backend (getContext returns null), so chart.js cannot even construct there.
// This installs a minimal 2D context that accepts every drawing call and measures text by length,
// enough for chart.js to lay out and "draw". What the tests assert is chart.js' own state
// (instances, datasets), never pixels; pixels are checked in real Chromium by the e2e suite.
export function installCanvas2d(): void {
  const proto = HTMLCanvasElement.prototype as unknown as { getContext: (kind: string) => unknown };
  proto.getContext = function getContext(this: HTMLCanvasElement, kind: string) {
    if (kind !== '2d') return null;
    const canvas = this as HTMLCanvasElement;
    const state: Record<string | symbol, unknown> = { canvas };
    return new Proxy(state, {
      get(target, prop) {
        if (prop in target) return target[prop];
        if (prop === 'measureText') return (text: string) => ({ width: String(text).length * 7 });
        if (prop === 'getImageData' || prop === 'createImageData')
          return () => ({ data: new Uint8ClampedArray(4) });
        if (prop === 'createLinearGradient' || prop === 'createRadialGradient' || prop === 'createPattern')
          return () => ({ addColorStop() {} });
        if (prop === 'getLineDash') return () => [];
        if (prop === 'getTransform') return () => ({ a: 1, b: 0, c: 0, d: 1, e: 0, f: 0 });
        return () => undefined;
      },
      set(target, prop, value) {
        target[prop] = value;
        return true;
      },
    });
  };
}
