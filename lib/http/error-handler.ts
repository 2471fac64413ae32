import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ResponseSerializationError } from "fastify-type-provider-zod";
import { ServiceAuthError } from "@/lib/auth/service-auth-error";
import { errorBody, errorCodeForStatus } from "@/lib/contracts/errors";
import { describeIssues, formatIssues, type IssueLike } from "@/lib/contracts/format-issues";
import { isDatabaseUnavailable } from "@/lib/db/unavailable";
import { HttpError } from "@/lib/http/http-error";

const CONTEXT_NAMES: Record<string, string> = {
  body: "body",
  params: "path parameters",
  querystring: "query",
  headers: "headers",
};
const PATH_PREFIXES: Record<string, string> = { querystring: "query" };

type ValidationItem = { instancePath: string; message?: string };

function validationIssues(items: readonly ValidationItem[]): IssueLike[] {
  return items.map((item) => ({
    path: item.instancePath
      .split("/")
      .filter((part) => part !== "")
      .map((part) => (/^\d+$/.test(part) ? Number(part) : part)),
    message: item.message ?? "is not valid",
  }));
}

function sendValidationError(error: FastifyError, reply: FastifyReply) {
  const context = error.validationContext ?? "body";
  const issues = validationIssues(error.validation ?? []);
  const prefix = PATH_PREFIXES[context] ?? context;
  const where = CONTEXT_NAMES[context] ?? context;
  const message = `invalid request ${where}: ${describeIssues(issues, prefix)}`;
  return reply
    .code(400)
    .send(errorBody("bad_request", message, { issues: formatIssues(issues, prefix) }));
}

/**
 * The one error handler of every service: the stable `{ error: { code, message, details? } }`
 * body for every failure; validation failures become 400s a person can read; the internals of
 * unexpected 5xx errors are logged, never sent.
 */
export function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof HttpError) {
    if (error.status >= 500) request.log.error({ err: error }, "request failed");
    return reply.code(error.status).send(errorBody(error.code, error.message, error.details));
  }
  if (error instanceof ServiceAuthError) {
    const code = errorCodeForStatus(error.status);
    return reply.code(error.status).send(errorBody(code, error.message, { reason: error.reason }));
  }
  if (error.validation) {
    return sendValidationError(error, reply);
  }
  if (error instanceof ResponseSerializationError) {
    // only raised where responses are validated (tests): name the broken fields to fix them
    const issues = formatIssues((error.cause as { issues?: IssueLike[] })?.issues ?? []);
    request.log.error({ err: error, issues }, "response does not match its contract");
    const message = "the response does not match its contract";
    return reply.code(500).send(errorBody("internal", message, { issues }));
  }
  if (isDatabaseUnavailable(error)) {
    // a restart or failover of the database: the client may retry, and no internals leave
    request.log.warn({ err: error }, "the database is unavailable");
    return reply
      .code(503)
      .header("retry-after", "1")
      .send(errorBody("unavailable", "the database is unavailable for a moment; retry shortly"));
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    // Fastify's own 4xx errors (bad JSON, wrong content type, body too large) are safe to show
    return reply.code(status).send(errorBody(errorCodeForStatus(status), error.message));
  }
  request.log.error({ err: error }, "request failed");
  const serverStatus = Math.max(status, 500);
  return reply
    .code(serverStatus)
    .send(errorBody(errorCodeForStatus(serverStatus), "internal error"));
}

/** Installs the error handler and a not-found handler that answer with the stable error body. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send(errorBody("not_found", `no route ${request.method} ${request.url.split("?")[0]}`)),
  );
}
