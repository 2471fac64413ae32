import { MigrationBoard } from "@/app/_components/migration-board";
import { PageHeader } from "@/app/_components/ui/page-header";

export default function BoardPage() {
  return (
    <>
      <PageHeader
        title="Migration board"
        description="Six domains leave the monolith one at a time: legacy → shadow → canary → migrated."
      />
      <MigrationBoard />
    </>
  );
}
