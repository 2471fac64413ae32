import { describe, expect, it } from "vitest";
import {
  derivedId,
  interactionSourceKey,
  KEIKO_DERIVED_ID_NAMESPACE,
  registrationSourceKey,
  uuidV5,
} from "./derived-ids";

/** RFC 9562 appendix A.4's namespace (DNS) and its example. */
const NAMESPACE_DNS = "6ba7b810-9dad-11d1-80b4-00c04fd430c8";

describe("uuidV5", () => {
  it("gives RFC 9562's test vector", () => {
    expect(uuidV5("www.example.com", NAMESPACE_DNS)).toBe("2ed6657d-e927-568b-95e1-2665a8aea6a2");
  });

  it("hashes the name as UTF-8 and accepts an upper-case namespace", () => {
    expect(uuidV5("www.example.com", NAMESPACE_DNS.toUpperCase())).toBe(
      "2ed6657d-e927-568b-95e1-2665a8aea6a2",
    );
    const accented = uuidV5("é", NAMESPACE_DNS);
    expect(accented).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(accented).not.toBe(uuidV5("e\u0301", NAMESPACE_DNS));
  });

  it("refuses a namespace that is not a UUID", () => {
    expect(() => uuidV5("x", "not-a-uuid")).toThrowError(/not a UUID/);
  });
});

describe("derived ids", () => {
  it("are the same for the same source on every side, and differ between sources", () => {
    const userId = "0f8fad5b-d9cb-469f-a165-70867728950e";
    const key = registrationSourceKey(userId);
    expect(key).toBe(`registration:${userId}`);
    expect(derivedId(key)).toBe(uuidV5(key, KEIKO_DERIVED_ID_NAMESPACE));
    expect(derivedId(key)).toBe(derivedId(`registration:${userId}`));
    expect(derivedId(interactionSourceKey(userId))).not.toBe(derivedId(key));
  });
});
