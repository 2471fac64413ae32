import { MigrationBoard } from "@/app/_components/migration-board";

export default function BoardPage() {
  return (
    <>
      <header className="mb-6">
        <h1 className="text-2xl font-semibold tracking-tight">Migration board</h1>
        <p className="text-sm text-slate-400">
          Six domains leave the monolith one at a time: legacy → shadow → canary → migrated.
        </p>
      </header>
      <MigrationBoard />
    </>
  );
}
