/** The deployables (Dockerfile targets and overlay folders), in build order. */
export const DEPLOYABLES: readonly string[];
export const DOMAIN_SERVICES: readonly string[];
/** The deployables whose image `file` is part of. */
export function deployablesOf(file: string): readonly string[];
/** The deployables to rebuild for these changed files; test files never count. */
export function changedDeployables(files: readonly string[]): string[];
