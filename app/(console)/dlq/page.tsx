import { DeadLetterBrowser } from "@/app/_components/dlq/dlq-browser";
import { PageHeader } from "@/app/_components/ui/page-header";

export default function DeadLettersPage() {
  return (
    <>
      <PageHeader
        title="Dead-letter queues"
        description="Events a consumer gave up on. Inspect, fix the cause, then replay them to their stream."
      />
      <DeadLetterBrowser />
    </>
  );
}
