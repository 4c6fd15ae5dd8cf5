// A channel is its options and a `send`. The options sit in a private field, behind a getter, so that
// logging or inspecting a channel never prints its secrets (robot keys, signing secrets, tokens).
export abstract class ConfiguredChannel<Options> {
  readonly #options: Options;

  constructor(options: Options) {
    this.#options = options;
  }

  protected get options(): Options {
    return this.#options;
  }
}
