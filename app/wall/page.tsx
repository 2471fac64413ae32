import type { Metadata } from "next";
import { cookies } from "next/headers";
import Link from "next/link";
import { redirect } from "next/navigation";
import { TRPCReactProvider } from "@/app/_components/trpc-provider";
import { WallScreen } from "@/app/_components/wall/wall-screen";
import { consoleEnv } from "@/lib/config/console";
import { sessionOperator } from "@/server/auth/session-operator";
import { controlDb } from "@/server/db/control-db";
import { eventBus } from "@/server/events/event-bus";
import { argoHealthOf } from "@/server/gitops/argo-health-source";
import { liveRuntime } from "@/server/live/live-runtime";
import { wallCookieName } from "@/server/wall/wall-cookie";
import { readLiveState, type WallSnapshot } from "@/server/wall/wall-snapshot";
import { verifyWallToken } from "@/server/wall/wall-tokens";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Keiko wall" };

type Search = Promise<Record<string, string | string[] | undefined>>;

/**
 * The wall screen, outside the console's layout (no navigation): a signed-in operator, or a
 * kiosk with a wall token (`/wall?token=…` keeps it in an httpOnly cookie, then drops it from
 * the address bar).
 */
export default async function WallPage({ searchParams }: { searchParams: Search }) {
  const search = await searchParams;
  const poll = search.poll === "1";
  if (typeof search.token === "string") {
    redirect(`/wall/enter?token=${encodeURIComponent(search.token)}${poll ? "&poll=1" : ""}`);
  }
  const env = consoleEnv();
  const operator = await sessionOperator();
  const access =
    operator ??
    (await verifyWallToken(
      controlDb(),
      (await cookies()).get(wallCookieName(env.secureCookies))?.value,
    ));
  if (!access) {
    return (
      <main className="flex h-screen flex-col items-center justify-center gap-6 bg-black text-white">
        <h1 className="text-5xl font-bold">Keiko wall</h1>
        <p role="alert" data-testid="wall-denied" className="max-w-3xl text-center text-2xl">
          {search.denied === "1"
            ? "This wall token is not valid: it is unknown, revoked or expired."
            : "This screen needs a wall token or a signed-in viewer."}{" "}
          An admin creates wall tokens on the Operators page.
        </p>
        <Link href="/login" className="text-xl text-sky-300 underline">
          Sign in
        </Link>
      </main>
    );
  }
  return (
    <TRPCReactProvider>
      <WallScreen poll={poll} initial={await initialSnapshot()} />
    </TRPCReactProvider>
  );
}

/** The first screen comes with the page (the producer's frame if it runs); the stream follows. */
async function initialSnapshot(): Promise<WallSnapshot | null> {
  const db = controlDb();
  const bus = eventBus();
  const latest = liveRuntime(db, bus).hub.latest;
  if (latest) return latest.value.wall;
  return readLiveState(db, bus, argoHealthOf())
    .then((state) => state.wall)
    .catch(() => null); // the stream will say what is wrong
}
