import { notFound } from "next/navigation";
import { DomainDetail } from "@/app/_components/domain-detail";
import { DomainNameSchema } from "@/lib/contracts/domains";

export default async function DomainPage({ params }: { params: Promise<{ name: string }> }) {
  const parsed = DomainNameSchema.safeParse((await params).name);
  if (!parsed.success) notFound();
  return <DomainDetail name={parsed.data} />;
}
