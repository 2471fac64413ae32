import { ParityReport } from "@/app/_components/parity-report";

export default function ParityPage() {
  return (
    <>
      <header className="mb-6">
        <h1 className="text-2xl font-semibold tracking-tight">Shadow parity</h1>
        <p className="text-sm text-slate-400">
          While a domain shadows, the gateway compares each legacy answer with the new service's,
          ignoring each route's volatile fields (ids, timestamps). Mismatches, newest first.
        </p>
      </header>
      <ParityReport />
    </>
  );
}
