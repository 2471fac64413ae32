import { describe, expect, it } from "vitest";
import { loadTelemetryConfig, serviceNameOfEntry } from "./telemetry";

describe("telemetry configuration", () => {
  it("turns tracing off without an endpoint, and an empty one counts as none", () => {
    expect(loadTelemetryConfig({}, "/app/services/learning/main.ts")).toEqual({
      tracesUrl: null,
      serviceName: "learning",
      deploymentEnvironment: "local",
      samplingRatio: 1,
    });
    expect(loadTelemetryConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: " " }, "x.ts").tracesUrl).toBeNull();
  });

  it("appends the traces path to the base endpoint, as the OTLP specification says", () => {
    const base = { OTEL_SERVICE_NAME: "api-gateway", DEPLOYMENT_ENVIRONMENT: "staging" };
    expect(
      loadTelemetryConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: "http://otel:4318" }, "m.ts"),
    ).toMatchObject({
      tracesUrl: "http://otel:4318/v1/traces",
      serviceName: "api-gateway",
      deploymentEnvironment: "staging",
    });
    expect(
      loadTelemetryConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "https://c.example/otlp/" }, "m.ts")
        .tracesUrl,
    ).toBe("https://c.example/otlp/v1/traces");
  });

  it("names every bad variable in one line", () => {
    expect(() =>
      loadTelemetryConfig(
        {
          OTEL_EXPORTER_OTLP_ENDPOINT: "grpc://otel:4317",
          OTEL_TRACES_SAMPLER_ARG: "2",
          OTEL_SERVICE_NAME: "Learning Service",
        },
        "m.ts",
      ),
    ).toThrowError(
      /OTEL_EXPORTER_OTLP_ENDPOINT: must start with http:\/\/ or https:\/\/.*OTEL_SERVICE_NAME: .*OTEL_TRACES_SAMPLER_ARG: must be a number from 0 to 1/,
    );
  });

  it("derives the service name from the entry script", () => {
    expect(serviceNameOfEntry("/w/services/passport/consume.ts")).toBe("passport-consumer");
    expect(serviceNameOfEntry("/w/services/api-gateway/main.ts")).toBe("api-gateway");
    expect(serviceNameOfEntry("/w/workers/outbox-relay.ts")).toBe("outbox-relay");
    expect(serviceNameOfEntry(undefined)).toBe("node");
  });
});
