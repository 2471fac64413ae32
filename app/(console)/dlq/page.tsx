import { DeadLetterBrowser } from "@/app/_components/dlq/dlq-browser";

export default function DeadLettersPage() {
  return (
    <>
      <header className="mb-6">
        <h1 className="text-2xl font-semibold tracking-tight">Dead-letter queues</h1>
        <p className="text-sm text-slate-400">
          Events a consumer gave up on. Inspect, fix the cause, then replay them to their stream.
        </p>
      </header>
      <DeadLetterBrowser />
    </>
  );
}
