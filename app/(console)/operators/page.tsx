import { OperatorsAdmin } from "@/app/_components/operators-admin";
import { PageHeader } from "@/app/_components/ui/page-header";
import { WallTokenAdmin } from "@/app/_components/wall/wall-token-admin";
import { roleAtLeast } from "@/lib/contracts/operators";
import { sessionOperator } from "@/server/auth/session-operator";

export default async function OperatorsPage() {
  const operator = await sessionOperator();
  return (
    <>
      <PageHeader
        title="Operators"
        description="Who can sign in, and what they may do: viewer < operator < admin."
      />
      {operator && roleAtLeast(operator.role, "admin") ? (
        <>
          <OperatorsAdmin />
          <WallTokenAdmin />
        </>
      ) : (
        <p
          role="alert"
          className="rounded border border-amber-800 bg-amber-950 px-4 py-3 text-amber-200"
        >
          Managing operators needs the admin role.
        </p>
      )}
    </>
  );
}
