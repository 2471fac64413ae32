import { OperatorsAdmin } from "@/app/_components/operators-admin";
import { roleAtLeast } from "@/lib/contracts/operators";
import { sessionOperator } from "@/server/auth/session-operator";

export default async function OperatorsPage() {
  const operator = await sessionOperator();
  return (
    <>
      <header className="mb-6">
        <h1 className="text-2xl font-semibold tracking-tight">Operators</h1>
        <p className="text-sm text-slate-400">
          Who can sign in, and what they may do: viewer &lt; operator &lt; admin.
        </p>
      </header>
      {operator && roleAtLeast(operator.role, "admin") ? (
        <OperatorsAdmin />
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
