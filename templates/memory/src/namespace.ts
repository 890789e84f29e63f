// Namespaces: each user's keys are apart from every other user's and from the shared ones.

/** A namespace as one unambiguous string, `user:<id>` (percent-encoded) or `shared`. */
export function namespaceLabel(namespace: string): string {
  return namespace === "" ? "shared" : `user:${encodeURIComponent(namespace)}`;
}
