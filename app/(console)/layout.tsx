import { redirect } from "next/navigation";
import type { ReactNode } from "react";
import { NavBar } from "@/app/_components/nav-bar";
import { OperatorProvider } from "@/app/_components/operator-context";
import { TRPCReactProvider } from "@/app/_components/trpc-provider";
import { sessionOperator } from "@/server/auth/session-operator";

export const dynamic = "force-dynamic";

/** Every console page needs a signed-in, enabled operator. */
export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const operator = await sessionOperator();
  if (!operator) redirect("/login");
  const { username, displayName, role } = operator;
  return (
    <TRPCReactProvider>
      <OperatorProvider operator={{ username, displayName, role }}>
        <NavBar />
        <main className="mx-auto max-w-screen-2xl px-6 py-8">{children}</main>
      </OperatorProvider>
    </TRPCReactProvider>
  );
}
