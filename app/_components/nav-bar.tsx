"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { signOut } from "next-auth/react";
import { useCan, useOperator } from "./operator-context";

// `name` is the accessible name where the visible label is shortened to keep one line at 1280 px.
const links = [
  { href: "/", label: "Board", name: "Migration board", role: "viewer" },
  { href: "/resilience", label: "Resilience", role: "viewer" },
  { href: "/parity", label: "Parity", role: "viewer" },
  { href: "/events", label: "Events", role: "viewer" },
  { href: "/dlq", label: "Dead letters", role: "viewer" },
  { href: "/timeline", label: "Timeline", role: "viewer" },
  { href: "/observability", label: "Metrics", name: "Observability", role: "viewer" },
  { href: "/gitops", label: "GitOps", role: "viewer" },
  { href: "/audit", label: "Audit log", role: "viewer" },
  { href: "/operators", label: "Operators", role: "admin" },
] as const satisfies readonly { href: string; label: string; name?: string; role: string }[];

export function NavBar() {
  const operator = useOperator();
  const isAdmin = useCan("admin");
  const pathname = usePathname();
  const active = (href: string) =>
    href === "/" ? pathname === "/" || pathname.startsWith("/domains") : pathname.startsWith(href);
  return (
    <header className="border-b border-slate-800 bg-slate-900/80">
      <nav className="mx-auto flex max-w-screen-2xl items-center gap-4 whitespace-nowrap px-6 py-3">
        <Link href="/" className="flex items-center gap-2 font-semibold tracking-tight">
          <span className="inline-block h-3 w-3 rounded-sm bg-emerald-400" aria-hidden />
          Keiko<span className="hidden 2xl:inline"> Control Plane</span>
        </Link>
        <ul className="flex gap-0.5 text-sm">
          {links
            .filter((l) => l.role !== "admin" || isAdmin)
            .map((l) => (
              <li key={l.href}>
                <Link
                  href={l.href}
                  aria-label={"name" in l ? l.name : undefined}
                  title={"name" in l ? l.name : undefined}
                  className={`rounded px-2.5 py-1.5 ${active(l.href) ? "bg-slate-800 text-white" : "text-slate-400 hover:text-white"}`}
                >
                  {l.label}
                </Link>
              </li>
            ))}
        </ul>
        <div className="ml-auto flex items-center gap-3 text-sm">
          <span data-testid="signed-in-as" className="text-slate-300">
            {operator.displayName}{" "}
            <span className="hidden text-slate-500 2xl:inline">({operator.username})</span>
          </span>
          <span className="rounded-full border border-slate-700 px-2 py-0.5 text-xs uppercase tracking-wide text-slate-400">
            {operator.role}
          </span>
          <button
            type="button"
            onClick={() => signOut({ callbackUrl: "/login" })}
            className="rounded border border-slate-700 px-3 py-1 text-slate-300 hover:bg-slate-800"
          >
            Sign out
          </button>
        </div>
      </nav>
    </header>
  );
}
