import { connect } from "node:net";

/** One answer read off the wire: the interim (1xx) statuses seen first, then the final one. */
export type RawAnswer = {
  interim: number[];
  status: number;
  headers: Record<string, string>;
  body: string;
};

export type RawExchange = {
  /** Request line and header lines, without the blank line that ends them. */
  head: string;
  body?: string;
  /**
   * Send the body only after a `100 Continue` (as a patient client does); otherwise it follows
   * the head at once (as curl does when the interim answer is slow, or as a flood does).
   */
  waitForContinue?: boolean;
};

/** Decodes a complete chunked body, or returns null while it is incomplete. */
function dechunk(bytes: Buffer): Buffer | null {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = bytes.indexOf("\r\n", at);
    if (lineEnd === -1) return null;
    const size = Number.parseInt(bytes.subarray(at, lineEnd).toString("latin1"), 16);
    if (size === 0) return bytes.indexOf("\r\n\r\n", lineEnd) === -1 ? null : Buffer.concat(parts);
    if (bytes.length < lineEnd + 2 + size + 2) return null;
    parts.push(bytes.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

/**
 * One HTTP/1.1 exchange on a fresh connection, written byte for byte (so a test can send what
 * fetch and node:http refuse to), read until the final answer is complete.
 */
export function rawHttpExchange(baseUrl: string, exchange: RawExchange): Promise<RawAnswer> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const interim: number[] = [];
    let pending = Buffer.alloc(0);
    let bodySent = false;
    let final: { status: number; headers: Record<string, string> } | null = null;
    const sendBody = () => {
      if (bodySent) return;
      bodySent = true;
      if (exchange.body) socket.write(exchange.body, "latin1");
    };
    const finish = (body: Buffer) => {
      if (!final) return;
      resolve({ interim, status: final.status, headers: final.headers, body: body.toString() });
      socket.destroy();
    };
    const socket = connect(Number(port), hostname, () => {
      socket.write(`${exchange.head}\r\n\r\n`, "latin1");
      if (!exchange.waitForContinue) sendBody();
    });
    socket.on("data", (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (!final) {
        const headEnd = pending.indexOf("\r\n\r\n");
        if (headEnd === -1) return;
        const [statusLine = "", ...lines] = pending
          .subarray(0, headEnd)
          .toString("latin1")
          .split("\r\n");
        const status = Number(statusLine.split(" ")[1]);
        pending = pending.subarray(headEnd + 4);
        if (status >= 100 && status < 200) {
          interim.push(status);
          if (status === 100) sendBody();
          continue;
        }
        const headers: Record<string, string> = {};
        for (const line of lines) {
          const colon = line.indexOf(":");
          headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
        }
        final = { status, headers };
      }
      if (final.headers["transfer-encoding"] === "chunked") {
        const body = dechunk(pending);
        if (body) finish(body);
        return;
      }
      const length = Number(final.headers["content-length"] ?? Number.NaN);
      if (Number.isFinite(length) && pending.length >= length) finish(pending.subarray(0, length));
    });
    socket.on("end", () => {
      if (final) finish(pending);
      else reject(new Error(`connection closed before an answer: ${pending.toString("latin1")}`));
    });
    socket.on("error", reject);
  });
}
