import { AuditLog } from "@/app/_components/audit-log";
import { PageHeader } from "@/app/_components/ui/page-header";

export default function AuditPage() {
  return (
    <>
      <PageHeader title="Audit log" description="Every change, who made it and why. Append-only." />
      <AuditLog />
    </>
  );
}
