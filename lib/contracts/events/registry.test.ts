import { describe, expect, it } from "vitest";
import { createEvent } from "@/lib/contracts/events/create-event";
import { EVENT_CONTRACTS, type KnownEvent, parseEvent } from "@/lib/contracts/events/registry";
import { USER_REGISTERED_V1 } from "@/lib/contracts/identity";
import { INTERACTION_CREATED_V1 } from "@/lib/contracts/learning";

const userId = "0b5ad5f6-2b5c-4c39-9d3a-7a7bb3f1b0a1";
const tutorId = "6f1c2d8e-4b9a-4f0e-8c7d-1a2b3c4d5e6f";
const at = "2026-11-27T10:00:00.000Z";
const metadata = {
  correlation_id: "req-1",
  producer: "identity",
  traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
};

/** A valid `data` for every known event, keyed by type. */
const sampleData: Record<string, Record<string, unknown>> = {
  "identity.UserRegistered": {
    user_id: userId,
    did: "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
    display_name: "Ada",
    roles: ["student"],
    registered_at: at,
  },
  "learning.InteractionCreated": {
    interaction_id: tutorId,
    type: "lesson",
    content: "fractions",
    duration_seconds: 1800,
    tutor_id: tutorId,
    student_id: userId,
    occurred_at: at,
  },
  "reputation.ScoreChanged": {
    user_id: userId,
    previous_score: 50,
    score: 52.5,
    cause: "session",
    cause_id: tutorId,
    changed_at: at,
  },
  "passport.EntryAdded": {
    entry_id: tutorId,
    user_id: userId,
    kind: "interaction",
    title: "Lesson: fractions",
    source_event_id: null,
    occurred_at: at,
  },
  "governance.ProposalDecided": {
    proposal_id: tutorId,
    outcome: "accepted",
    tally: { yes: 3, no: 1, abstain: 0 },
    voting_ended_at: at,
    decided_at: at,
  },
  "marketplace.SessionCompleted": {
    session_id: tutorId,
    booking_id: tutorId,
    offer_id: tutorId,
    tutor_id: tutorId,
    student_id: userId,
    duration_seconds: 3600,
    completed_at: at,
  },
};

function envelope(overrides: Record<string, unknown> = {}) {
  return {
    event_id: "3d5e7f90-1a2b-4c3d-8e9f-0a1b2c3d4e5f",
    event_type: "identity.UserRegistered",
    aggregate_id: userId,
    aggregate_type: "user",
    event_version: 1,
    occurred_at: at,
    data: sampleData["identity.UserRegistered"],
    metadata,
    ...overrides,
  };
}

describe("parseEvent", () => {
  it.each(EVENT_CONTRACTS.map((c) => [c.type, c] as const))("accepts a valid %s", (type, c) => {
    const raw = envelope({
      event_type: type,
      event_version: c.version,
      aggregate_type: c.aggregateType,
      data: sampleData[type],
    });
    const result = parseEvent(JSON.stringify(raw));
    expect(result).toEqual({ ok: true, event: raw });
  });

  it("narrows data by event type", () => {
    const result = parseEvent(envelope());
    if (!result.ok) throw new Error(result.error.message);
    const event: KnownEvent = result.event;
    if (event.event_type !== "identity.UserRegistered") throw new Error("wrong type");
    expect(event.data.roles).toEqual(["student"]);
  });

  it("keeps unknown metadata keys (replay counts, newer producers)", () => {
    const result = parseEvent(envelope({ metadata: { ...metadata, replay_count: 2 } }));
    expect(result.ok && result.event.metadata).toMatchObject({ replay_count: 2 });
  });

  it.each([
    ["invalid_json", "{not json", /^not valid JSON/],
    ["invalid_envelope", envelope({ event_id: "nope" }), /event_id: event_id must be a UUID/],
    ["invalid_envelope", envelope({ event_version: 0 }), /event_version/],
    [
      "invalid_envelope",
      envelope({ metadata: { producer: "x" } }),
      /metadata.correlation_id: is required/,
    ],
    [
      "invalid_envelope",
      envelope({ occurred_at: "yesterday" }),
      /occurred_at: expected an ISO 8601/,
    ],
    [
      "unknown_event_type",
      envelope({ event_type: "identity.UserDeleted" }),
      /unknown event type identity.UserDeleted/,
    ],
    [
      "unknown_event_version",
      envelope({ event_version: 7 }),
      /unknown version 7 of identity.UserRegistered; known versions: 1/,
    ],
    [
      "aggregate_type_mismatch",
      envelope({ aggregate_type: "proposal" }),
      /must have aggregate_type user/,
    ],
    [
      "invalid_data",
      envelope({ data: { ...sampleData["identity.UserRegistered"], roles: [] } }),
      /invalid data of identity.UserRegistered v1: data.roles/,
    ],
    ["invalid_envelope", "42", /invalid event envelope/],
  ] as const)("refuses with %s: %s", (reason, raw, message) => {
    const result = parseEvent(raw);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.reason).toBe(reason);
    expect(result.error.message).toMatch(message);
  });

  it("reports what it could read of a refused event, for the dead-letter queue", () => {
    const result = parseEvent(envelope({ data: { user_id: "x" } }));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.eventId).toBe("3d5e7f90-1a2b-4c3d-8e9f-0a1b2c3d4e5f");
    expect(result.error.eventType).toBe("identity.UserRegistered");
    expect(result.error.issues?.map((issue) => issue.path)).toContain("data.user_id");
  });
});

describe("createEvent", () => {
  it("builds an envelope that parseEvent accepts", () => {
    const event = createEvent(INTERACTION_CREATED_V1, {
      aggregateId: tutorId,
      data: sampleData["learning.InteractionCreated"] as never,
      metadata,
    });
    expect(event.event_type).toBe("learning.InteractionCreated");
    expect(event.aggregate_type).toBe("interaction");
    expect(parseEvent(JSON.stringify(event))).toEqual({ ok: true, event });
  });

  it("refuses to build an event with bad data", () => {
    expect(() =>
      createEvent(USER_REGISTERED_V1, {
        aggregateId: userId,
        data: { user_id: userId } as never,
        metadata,
      }),
    ).toThrow();
  });
});
