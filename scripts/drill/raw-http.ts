import net from "node:net";

export type RawAnswer = { status: number; body: string; interim: number[] };

/**
 * One HTTP/1.1 exchange written byte by byte (what fetch refuses to send: two lengths, bad
 * header names, Expect). `head` ends before the blank line; `Connection: close` is added. With
 * `waitForContinue` the body is held until a 100 arrives (or 1 s passes, as curl does).
 */
export function rawExchange(
  baseUrl: string,
  exchange: { head: string; body?: string | Buffer; waitForContinue?: boolean },
  timeoutMs = 10_000,
): Promise<RawAnswer> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port) });
    const chunks: Buffer[] = [];
    let bodySent = exchange.body === undefined;
    const answered = () => chunks.length > 0 && !text().startsWith("HTTP/1.1 100");
    // in 64 KiB pieces, stopping once a final answer came (as curl does on an early 413)
    const sendBody = async () => {
      if (bodySent) return;
      bodySent = true;
      const body = Buffer.from(exchange.body as string | Buffer);
      for (let at = 0; at < body.length && !answered() && !socket.destroyed; at += 65_536) {
        if (!socket.write(body.subarray(at, at + 65_536))) {
          await new Promise((resolve) => socket.once("drain", resolve));
        }
      }
    };
    const text = () => Buffer.concat(chunks).toString("latin1");
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(parse(text()));
    };
    const timer = setTimeout(finish, timeoutMs);
    socket.on("connect", () => {
      socket.write(`${exchange.head}\r\nConnection: close\r\n\r\n`);
      if (exchange.waitForContinue) setTimeout(() => void sendBody(), 1_000);
      else void sendBody();
    });
    socket.on("data", (chunk) => {
      chunks.push(chunk);
      if (text().startsWith("HTTP/1.1 100")) void sendBody();
    });
    // a reset after the answer arrived (the server stopped reading an oversized body) is no failure
    socket.on("error", () => (chunks.length > 0 ? undefined : finish()));
    socket.on("close", finish);
  });
}

function parse(text: string): RawAnswer {
  const interim: number[] = [];
  let rest = text;
  for (;;) {
    const match = /^HTTP\/1\.[01] (\d{3})[^\r\n]*\r\n/.exec(rest);
    if (!match) return { status: 0, body: rest, interim };
    const status = Number(match[1]);
    const end = rest.indexOf("\r\n\r\n");
    if (status >= 100 && status < 200 && end >= 0) {
      interim.push(status);
      rest = rest.slice(end + 4);
      continue;
    }
    return { status, body: end >= 0 ? rest.slice(end + 4) : "", interim };
  }
}

/** A request head: request line, Host, then `headers`. */
export function head(method: string, path: string, headers: string[] = []): string {
  return [`${method} ${path} HTTP/1.1`, "Host: 127.0.0.1", ...headers].join("\r\n");
}
