import { EventStreams } from "@/app/_components/event-streams";
import { PageHeader } from "@/app/_components/ui/page-header";

export default function EventsPage() {
  return (
    <>
      <PageHeader
        title="Event streams"
        description={
          <>
            Redis Streams <span className="font-mono">events:&lt;aggregate&gt;</span>: length, rate,
            and each consumer group's lag and pending entries. Live.
          </>
        }
      />
      <EventStreams />
    </>
  );
}
