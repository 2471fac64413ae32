import { AuditLog } from "@/app/_components/audit-log";

export default function AuditPage() {
  return (
    <>
      <header className="mb-6">
        <h1 className="text-2xl font-semibold tracking-tight">Audit log</h1>
        <p className="text-sm text-slate-400">Every change, who made it and why. Append-only.</p>
      </header>
      <AuditLog />
    </>
  );
}
