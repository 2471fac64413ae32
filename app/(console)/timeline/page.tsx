import { TimelineView } from "@/app/_components/timeline/timeline-view";
import { PageHeader } from "@/app/_components/ui/page-header";

export default function TimelinePage() {
  return (
    <>
      <PageHeader
        title="Timeline"
        description="Everything that changed, by people and by the platform itself, newest first."
      />
      <TimelineView />
    </>
  );
}
