/** What the data benchmark must undo (children, databases, Redis keys), run once, newest first. */
export class Cleanups {
  readonly #steps: Array<{ name: string; run: () => Promise<void> }> = [];
  #running: Promise<void> | null = null;

  add(name: string, run: () => Promise<void>): void {
    this.#steps.push({ name, run });
  }

  /** Runs every step once, newest first; an error in one does not stop the others. */
  runAll(): Promise<void> {
    this.#running ??= (async () => {
      for (const step of this.#steps.reverse()) {
        try {
          await step.run();
        } catch (error) {
          console.error(`cleanup of ${step.name} failed: ${(error as Error).message}`);
        }
      }
    })();
    return this.#running;
  }
}
