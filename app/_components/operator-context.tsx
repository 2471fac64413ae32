"use client";

import { createContext, type ReactNode, useContext } from "react";
import { type OperatorRole, roleAtLeast } from "@/lib/contracts/operators";

export type SignedInOperator = { username: string; displayName: string; role: OperatorRole };

const OperatorContext = createContext<SignedInOperator | null>(null);

/** Makes the signed-in operator known to client components (for display only; the server decides). */
export function OperatorProvider({
  operator,
  children,
}: {
  operator: SignedInOperator;
  children: ReactNode;
}) {
  return <OperatorContext.Provider value={operator}>{children}</OperatorContext.Provider>;
}

export function useOperator(): SignedInOperator {
  const operator = useContext(OperatorContext);
  if (!operator) throw new Error("useOperator outside OperatorProvider");
  return operator;
}

/** Whether the UI should offer an action that needs `role`. */
export function useCan(role: OperatorRole): boolean {
  return roleAtLeast(useOperator().role, role);
}
