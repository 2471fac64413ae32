import { EventStreams } from "@/app/_components/event-streams";

export default function EventsPage() {
  return (
    <>
      <header className="mb-6">
        <h1 className="text-2xl font-semibold tracking-tight">Event streams</h1>
        <p className="text-sm text-slate-400">
          Redis Streams <span className="font-mono">events:&lt;aggregate&gt;</span>: length, rate,
          and each consumer group's lag and pending entries. Live.
        </p>
      </header>
      <EventStreams />
    </>
  );
}
