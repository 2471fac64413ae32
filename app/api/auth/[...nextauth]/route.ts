import NextAuth from "next-auth";
import { authOptions } from "@/server/auth/auth-options";
import { refuseThrottledSignIn } from "@/server/auth/sign-in-guard";
import { clientAddressOf } from "@/server/http/client-address";

type RouteContext = { params: Promise<{ nextauth: string[] }> };

async function handler(request: Request, context: RouteContext) {
  const clientAddress = clientAddressOf(request.headers);
  const refused = await refuseThrottledSignIn(request, clientAddress);
  if (refused) return refused;
  return NextAuth(request as never, context as never, authOptions({ clientAddress }));
}

export { handler as GET, handler as POST };
