import { notFound } from "next/navigation";
import { DomainDetail } from "@/app/_components/domain-detail";
import { TimelineView } from "@/app/_components/timeline/timeline-view";
import { DomainNameSchema } from "@/lib/contracts/domains";

export default async function DomainPage({ params }: { params: Promise<{ name: string }> }) {
  const parsed = DomainNameSchema.safeParse((await params).name);
  if (!parsed.success) notFound();
  return (
    <div className="space-y-8">
      <DomainDetail name={parsed.data} />
      <section aria-label="timeline">
        <h2 className="mb-3 text-lg font-semibold">Timeline</h2>
        <TimelineView domain={parsed.data} pageSize={15} />
      </section>
    </div>
  );
}
